"""Scoring through the real API: idempotent resubmission, the Ladder release, researchers kept apart."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from tools.scorer import ScorerError

from .conftest import Scorer, predictions_with_accuracy, submission


def test_resubmission_returns_the_stored_result_and_records_nothing(scorer: Scorer) -> None:
    alice = scorer.client("alice")
    probs = predictions_with_accuracy(scorer.labels, 0.75, 1)
    first = alice.submit(**submission("alice", probs, "idem-1"))
    count, audit_flags = scorer.count(), scorer.count("flags")
    again = alice.submit(**submission("alice", np.full(len(probs), 0.9), "idem-1"))  # even with other probs
    assert again.replayed and not first.replayed
    assert again.submission_id == first.submission_id and again.public_pgr == first.public_pgr
    assert (scorer.count(), scorer.count("flags")) == (count, audit_flags)


def test_concurrent_identical_submissions_store_one_row(scorer: Scorer) -> None:
    probs = predictions_with_accuracy(scorer.labels, 0.7, 2)
    before = scorer.count()

    def send(_: int) -> int:
        with scorer.client("alice") as client:
            return client.submit(**submission("alice", probs, "idem-race", seed=3)).submission_id

    with ThreadPoolExecutor(8) as pool:
        ids = set(pool.map(send, range(16)))
    assert len(ids) == 1 and scorer.count() == before + 1


def test_public_score_is_released_only_for_a_new_best_by_the_margin(scorer: Scorer) -> None:
    bob = scorer.client("bob")
    first = bob.submit(**submission("bob", predictions_with_accuracy(scorer.labels, 0.70, 10), "ladder-1"))
    assert first.new_best and first.public_pgr is not None
    assert round(first.public_pgr, 2) == first.public_pgr  # limited precision
    worse = bob.submit(**submission("bob", predictions_with_accuracy(scorer.labels, 0.66, 11), "ladder-2"))
    assert not worse.new_best and worse.public_pgr is None and worse.best_public_pgr == first.public_pgr
    better = bob.submit(**submission("bob", predictions_with_accuracy(scorer.labels, 0.86, 12), "ladder-3"))
    assert better.new_best and better.public_pgr is not None and better.public_pgr > first.public_pgr
    exact = scorer.client("admin").submission(better.submission_id)
    assert exact.released_pgr == better.public_pgr and 0 <= exact.public_pgr - better.public_pgr < 0.01


def test_a_researcher_sees_only_their_own_submissions(scorer: Scorer) -> None:
    scorer.client("alice").submit(**submission("alice", predictions_with_accuracy(scorer.labels, 0.7, 20), "mine-a"))
    scorer.client("bob").submit(**submission("bob", predictions_with_accuracy(scorer.labels, 0.7, 21), "mine-b"))
    assert {s.researcher for s in scorer.client("bob").my_submissions()} == {"bob"}
    assert {s.researcher for s in scorer.client("alice").my_submissions()} == {"alice"}
    try:
        scorer.client("bob").submission(1)
    except ScorerError as error:
        assert error.status == 403
    else:
        raise AssertionError("a researcher read another submission's exact scores")


def test_constant_predictions_are_flagged_and_kept_off_the_leaderboard(scorer: Scorer) -> None:
    alice = scorer.client("alice")
    out = alice.submit(**submission("alice", np.full(len(scorer.labels), 0.8), "constant"))
    assert [f.name for f in out.flags] == ["constant_predictions"] and out.public_pgr is None
    board = alice.leaderboard()
    assert all(e.experiment_id != "constant" for e in board.entries)
    flagged = {e.experiment_id: e for e in board.flagged}
    assert "constant" in flagged and "probabilities equal 0.8" in flagged["constant"].flags[0].evidence
    assert flagged["constant"].pgr is None  # researchers see the reason, not a score


def test_relabelling_a_task_with_submissions_is_refused(scorer: Scorer) -> None:
    import pytest

    from aar import ConfigError
    from tools.scorer import register_task

    scorer.client("alice").submit(**submission("alice", predictions_with_accuracy(scorer.labels, 0.7, 30), "pre"))
    other = 1 - scorer.labels
    with pytest.raises(ConfigError, match="already registered with other labels"):
        register_task(scorer.run, "synth", other, {0: predictions_with_accuracy(other, 0.6, 0)},
                      {0: predictions_with_accuracy(other, 0.9, 1)})


def test_researcher_views_carry_only_released_scores(scorer: Scorer) -> None:
    bob = scorer.client("bob")
    bob.submit(**submission("bob", predictions_with_accuracy(scorer.labels, 0.77, 40), "released-only"))
    board = bob.leaderboard()
    assert board.entries
    for entry in board.entries:
        assert entry.public_pgr is None and entry.private_pgr_se is None and entry.verified_pgr is None
        assert entry.pgr is not None and abs(round(entry.pgr, 2) - entry.pgr) < 1e-9
    for mine in bob.my_submissions():
        assert mine.public_pgr is None or abs(round(mine.public_pgr, 2) - mine.public_pgr) < 1e-9


def test_admin_flag_excludes_an_experiment_and_clearing_restores_it(scorer: Scorer) -> None:
    alice, admin = scorer.client("alice"), scorer.client("admin")
    out = alice.submit(**submission("alice", predictions_with_accuracy(scorer.labels, 0.88, 50), "by-hand"))
    assert out.new_best
    flag = admin.flag(out.submission_id, "human_review", "reads the test inputs' order", detail="line 12")
    board = alice.leaderboard()
    assert "by-hand" not in {e.experiment_id for e in board.entries}
    seen = next(e for e in board.flagged if e.experiment_id == "by-hand").flags[0]
    assert (seen.name, seen.evidence, seen.detail) == ("human_review", "reads the test inputs' order", None)
    assert admin.submission(out.submission_id).flags[0].detail == "line 12"
    admin.clear_flag(flag.id, "false alarm")
    assert "by-hand" in {e.experiment_id for e in alice.leaderboard().entries}
