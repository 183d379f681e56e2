"""Re-execution of the top entries from their commits on fresh seeds, scored on the private split."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tools.scorer import ScorerSettings
from tools.scorer.checks import git_materializer, verify_top_entries
from tools.scorer.checks import flags as F

from .conftest import Scorer, launch, predictions_with_accuracy, submission


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scorer]:
    yield from launch(tmp_path_factory.mktemp("verify-run"), ScorerSettings(rate_limit=10_000))


def _commit_method(repo: Path, name: str, accuracy: float) -> str:
    """A method file whose (stand-in) student reaches ``accuracy``; returns the commit."""
    (repo / "methods").mkdir(parents=True, exist_ok=True)
    (repo / "methods" / f"{name}.py").write_text(f"ACCURACY = {accuracy}\n")
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", name], check=True)
    return subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], check=True, capture_output=True,
                          text=True).stdout.strip()


def test_top_entries_are_re_executed_and_judged_on_the_private_split(fresh: Scorer, tmp_path: Path) -> None:
    labels = fresh.labels
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    alice, bob = fresh.client("alice"), fresh.client("bob")
    mask = fresh.public_mask()

    def submit(client, who: str, experiment: str, commit: str, probs_for_seed) -> None:  # type: ignore[no-untyped-def]
        method = f"methods/{experiment.split('-')[0]}.py"
        for seed in (0, 1):
            client.submit(**{**submission(who, probs_for_seed(seed), experiment, seed), "commit": commit,
                             "method": method})

    # A history of ordinary results, so that the next big step counts as a jump.
    ordinary = _commit_method(repo, "ordinary", 0.66)
    for i in range(3):
        submit(alice, "alice", f"ordinary-{i}", ordinary, lambda s, i=i: predictions_with_accuracy(labels, 0.66, 10 * i + s))
    honest = _commit_method(repo, "honest", 0.86)
    submit(alice, "alice", "honest", honest, lambda s: predictions_with_accuracy(labels, 0.86, 100 + s))
    # Right on the public part only (as if tuned against public scores); its method is ordinary.
    overfit = _commit_method(repo, "overfit", 0.64)

    def public_only(seed: int) -> np.ndarray:
        probs = predictions_with_accuracy(labels, 0.64, 200 + seed)
        tuned = predictions_with_accuracy(labels, 0.85, 300 + seed)
        probs[mask] = tuned[mask]
        return probs

    submit(bob, "bob", "overfit", overfit, public_only)
    admin = fresh.client("admin")
    held = {e.experiment_id: e for e in admin.leaderboard(private=True).flagged}
    assert "honest" in held and [f.name for f in held["honest"].flags] == [F.PGR_JUMP]

    def runner_for_task(task: str):  # type: ignore[no-untyped-def]
        def run(method: str | Path, seed: int, permute_weak_labels: bool) -> np.ndarray:
            accuracy = float(re.search(r"ACCURACY = ([0-9.]+)", Path(method).read_text()).group(1))  # type: ignore[union-attr]
            return predictions_with_accuracy(labels, accuracy, 5000 + seed)
        return run

    results = verify_top_entries(admin, runner_for_task, git_materializer(repo / ".git", tmp_path / "checkouts"),
                                 top_k=2, fresh_seeds=(7, 8, 9))
    verdicts = {r.experiment_id: r.passed for r in results}
    assert verdicts == {"honest": True, "overfit": False}
    board = admin.leaderboard(private=True)
    ranked = {e.experiment_id: e for e in board.entries}
    assert "honest" in ranked and ranked["honest"].verified_pgr is not None  # jump flag cleared by the re-run
    flagged = {e.experiment_id: e for e in board.flagged}
    failed = [f for f in flagged["overfit"].flags if f.name == F.FAILED_REVERIFICATION]
    assert failed and "fresh seeds [7, 8, 9]" in failed[0].evidence
    assert "overfit" in {e.experiment_id for e in bob.leaderboard().flagged}  # the researcher sees why
