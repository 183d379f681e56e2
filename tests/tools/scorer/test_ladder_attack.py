"""The classic leaderboard attack through the real HTTP API: flip one prediction, resubmit, read the change.

Run for the researcher's whole rate budget, it must recover the public labels no better than the attacker
knew without the server (chance + 5 points). A control run of the same attacker against an exact score shows
the attack itself works.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pytest

from tools.scorer import ScorerError, ScorerSettings
from tools.scorer.scoring import accuracy

from .conftest import Scorer, launch, submission

BUDGET = 60


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scorer]:
    yield from launch(tmp_path_factory.mktemp("attack-run"), ScorerSettings(rate_limit=BUDGET, rate_window_s=3600))


def flip_attack(score: Callable[[np.ndarray], float | None], base: np.ndarray, probes: int) -> np.ndarray:
    """Flip item i of ``base``; a higher released score means the flipped label is right, else keep ``base``."""
    guess = base.copy()
    reference = score(base)
    for i in range(probes):
        flipped = base.copy()
        flipped[i] = 1.0 - flipped[i]
        value = score(flipped)
        if value is None:
            break
        if reference is not None and value > reference:
            guess[i] = flipped[i]
    return guess


def test_flip_one_attack_over_the_whole_rate_budget_learns_nothing(limited: Scorer) -> None:
    labels = limited.labels
    rng = np.random.default_rng(2026)
    base = rng.integers(0, 2, len(labels)).astype(np.float64)  # the attacker's prior: a coin per item
    client = limited.client("alice")
    accepted = 0
    refused: list[ScorerError] = []

    def released(probs: np.ndarray) -> float | None:
        nonlocal accepted
        try:
            out = client.submit(**submission("alice", probs, f"attack-{accepted}"))
        except ScorerError as error:
            refused.append(error)
            return None
        accepted += 1
        return out.best_public_pgr

    guess = flip_attack(released, base, probes=len(labels))
    assert accepted == BUDGET and refused and refused[0].status == 429 and "rate limit" in refused[0].detail

    task_mask = limited.public_mask()
    probed = np.zeros(len(labels), dtype=bool)
    probed[: accepted - 1] = True
    part = probed & task_mask
    prior = accuracy(base[part], labels[part])
    recovered = accuracy(guess[part], labels[part])
    assert part.sum() >= 20
    assert recovered <= prior + 0.05, f"recovered {recovered:.3f} of the probed public labels vs prior {prior:.3f}"

    # Control: the same attacker against the exact public accuracy recovers every probed public label.
    exact = flip_attack(lambda p: accuracy(p[task_mask], labels[task_mask]), base, probes=accepted - 1)
    assert accuracy(exact[part], labels[part]) == 1.0



def test_a_replay_is_answered_even_after_the_budget_is_spent(limited: Scorer) -> None:
    client = limited.client("alice")
    with pytest.raises(ScorerError) as refused:
        client.submit(**submission("alice", np.full(len(limited.labels), 0.3), "over-budget"))
    assert refused.value.status == 429
    replay = client.submit(**submission("alice", np.zeros(len(limited.labels)), "attack-0"))
    assert replay.replayed
    # bob's budget is his own
    assert not limited.client("bob").submit(**submission("bob", np.full(len(limited.labels), 0.6), "b-1")).replayed
