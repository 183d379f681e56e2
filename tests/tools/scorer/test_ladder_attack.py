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
    probs = np.full(len(limited.labels), 0.3)
    first = client.submit(**submission("alice", probs, "spend-0")) if limited.count() == 0 else None
    with pytest.raises(ScorerError) as refused:  # spend whatever budget is left (the attack test spends it all)
        for i in range(1, BUDGET + 1):
            client.submit(**submission("alice", probs, f"spend-{i}"))
    assert refused.value.status == 429
    key = "spend-0" if first is not None else "attack-0"
    replay = client.submit(**submission("alice", np.zeros(len(limited.labels)), key))
    assert replay.replayed
    # bob's budget is his own
    assert not limited.client("bob").submit(**submission("bob", np.full(len(limited.labels), 0.6), "b-1")).replayed


def test_the_above_one_flag_is_no_oracle_at_the_boundary(limited: Scorer) -> None:
    """Sitting at public PGR 1 and flipping one prediction must not make ``pgr_above_one`` come and go."""
    task = limited.task()
    labels, public = limited.labels, np.flatnonzero(task.public_mask)
    n_right = int(np.floor(task.public.ceiling * len(public))) + 1  # public accuracy just above the ceiling
    hard = labels.astype(np.float64).copy()
    hard[public[n_right:]] = 1 - hard[public[n_right:]]
    bob, admin = limited.client("bob"), limited.client("admin")
    first = bob.submit(**submission("bob", hard, "edge-0"))
    assert "pgr_above_one" in {f.name for f in first.flags}
    above_one = 0
    for i, item in enumerate([*public[n_right - 6:n_right], *public[n_right:n_right + 6]]):
        probe = hard.copy()
        probe[item] = 1 - probe[item]
        out = bob.submit(**submission("bob", probe, f"edge-{i + 1}"))
        assert out.flags == [] and out.public_pgr is None, out
        above_one += admin.submission(out.submission_id).public_pgr > 1
    assert 0 < above_one < 12  # the probes did straddle PGR 1: an exact threshold would have told them apart
