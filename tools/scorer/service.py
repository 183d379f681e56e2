"""Submissions: validation, scoring on the public and private parts, the Ladder release, server-side checks.

Nothing here knows about HTTP; a rejection is a :class:`Rejected` with the status code the server returns.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass

import numpy as np

from aar import get_logger
from tools.scorer.checks.flags import Flag
from tools.scorer.checks.pgr import check_pgr_above_one, check_pgr_jump, seed_sd_from_sums
from tools.scorer.checks.predictions import check_predictions
from tools.scorer.db import Database
from tools.scorer.checks.flags import FAILED_REVERIFICATION, PGR_ABOVE_ONE, PGR_JUMP
from tools.scorer.flagstore import active_flags, clear_flag, insert_flag
from tools.scorer.models import (
    SCORED_SPLIT,
    EvaluateOut,
    FlagOut,
    SubmissionDetail,
    SubmissionIn,
    SubmissionOut,
    VerificationIn,
)
from tools.scorer.scoring import LadderRule, accuracy
from tools.scorer.settings import ScorerSettings
from tools.scorer.tasks import TaskRecord, load_task, task_names
from tools.scorer.tokens import Principal

log = get_logger(__name__)
_UNSCORED_SPLITS = ("train_label", "train_unlabel")
_UNFLAGGED = ("NOT EXISTS (SELECT 1 FROM flags f WHERE f.researcher = s.researcher "
              "AND f.experiment_id = s.experiment_id AND f.cleared_at IS NULL)")
_NOT_DISQUALIFIED = ("NOT EXISTS (SELECT 1 FROM flags f WHERE f.researcher = s.researcher "
                     "AND f.experiment_id = s.experiment_id AND f.cleared_at IS NULL "
                     f"AND f.name NOT IN ('{PGR_ABOVE_ONE}', '{PGR_JUMP}'))")
# Summed squared deviations of public PGR within each unflagged multi-seed experiment, and their dof.
_SEED_SPREAD = f"""
SELECT SUM(ss), SUM(n - 1) FROM (
    SELECT COUNT(*) AS n, SUM(public_pgr * public_pgr) - SUM(public_pgr) * SUM(public_pgr) / COUNT(*) AS ss
    FROM submissions s WHERE task = ? AND {_UNFLAGGED} GROUP BY researcher, experiment_id HAVING COUNT(*) >= 2)
"""


class Rejected(Exception):
    """A request the scorer refuses; nothing about it is stored except its audit line."""

    def __init__(self, status: int, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class Scores:
    public_acc: float
    private_acc: float
    public_pgr: float
    private_pgr: float


def score(task: TaskRecord, probs: np.ndarray) -> Scores:
    mask = task.public_mask
    public_acc = accuracy(probs[mask], task.labels[mask])
    private_acc = accuracy(probs[~mask], task.labels[~mask])
    return Scores(public_acc, private_acc, task.public.pgr(public_acc), task.private.pgr(private_acc))


class ScorerService:
    def __init__(self, database: Database, settings: ScorerSettings) -> None:
        self.db = database
        self.settings = settings
        self.ladder = LadderRule(settings.release_precision, settings.release_margin)

    # -- validation ---------------------------------------------------------------------------------
    def _task(self, name: str) -> TaskRecord:
        task = load_task(self.db, name)
        if task is None:
            known = ", ".join(task_names(self.db)) or "none registered"
            raise Rejected(404, f"unknown task {name!r} (known: {known})")
        return task

    def validated_probs(self, task_name: str, probs: list[float]) -> tuple[TaskRecord, np.ndarray]:
        task = self._task(task_name)
        if len(probs) != task.n_test:
            raise Rejected(422, f"probs: expected {task.n_test} probabilities (one per {task_name!r} test item, "
                                f"in test order), got {len(probs)}")
        array = np.asarray(probs, dtype=np.float64)
        bad = np.flatnonzero(~np.isfinite(array))
        if len(bad):
            raise Rejected(422, f"probs[{bad[0]}] is {array[bad[0]]}: every probability must be a finite number "
                                f"({len(bad)} non-finite values)")
        outside = np.flatnonzero((array < 0) | (array > 1))
        if len(outside):
            raise Rejected(422, f"probs[{outside[0]}] = {array[outside[0]]!r} is outside [0, 1] "
                                f"({len(outside)} values outside)")
        return task, array

    @staticmethod
    def check_split(split: str) -> None:
        if split in _UNSCORED_SPLITS:
            raise Rejected(422, f"split {split!r} is never scored: only {SCORED_SPLIT!r} is (scoring a training "
                                "split would reveal labels the researchers must not see)")
        if split != SCORED_SPLIT:
            raise Rejected(422, f"unknown split {split!r}: only {SCORED_SPLIT!r} is scored")

    # -- submissions --------------------------------------------------------------------------------
    def submit(self, principal: Principal, payload: SubmissionIn) -> SubmissionOut:
        if payload.researcher != principal.name:
            raise Rejected(403, f"this token belongs to {principal.name!r}; it cannot submit as {payload.researcher!r}")
        stored = self._existing(payload.researcher, payload.experiment_id, payload.seed)
        if stored is not None:
            return stored.model_copy(update={"replayed": True})
        self.check_split(payload.split)
        task, probs = self.validated_probs(payload.task, payload.probs)
        scores = score(task, probs)
        prediction_flags = check_predictions(probs, self.settings.majority_share)
        return self.db.write(lambda conn: self._record(conn, payload, task, probs, scores, prediction_flags))

    def _record(
        self,
        conn: sqlite3.Connection,
        payload: SubmissionIn,
        task: TaskRecord,
        probs: np.ndarray,
        scores: Scores,
        flags: list[Flag],
    ) -> SubmissionOut:
        # Re-checked inside the write transaction: two identical requests racing each other store one row.
        key = (payload.researcher, payload.experiment_id, payload.seed)
        row = conn.execute("SELECT id FROM submissions WHERE researcher = ? AND experiment_id = ? AND seed = ?",
                           key).fetchone()
        if row is not None:
            return self._out(conn, row["id"], replayed=True)
        now = time.time()
        self._enforce_rate_limit(conn, payload.researcher, now)
        # Score-based checks run only where the Ladder would speak (a candidate release): anywhere else a flag
        # that appears or not as one prediction flips would be a label oracle. A flagged candidate still moves
        # the researcher's threshold, exactly like a release, so probing around it costs a margin per bit.
        threshold = self._ladder_best(conn, payload.researcher, task.name)
        candidate = self.ladder.is_candidate(scores.public_pgr, threshold, task.n_public, task.public)
        score_flags: list[Flag] = []
        if candidate:
            n_history, best = conn.execute(f"SELECT COUNT(*), MAX(public_pgr) FROM submissions s WHERE task = ? AND "
                                           f"{_UNFLAGGED}", (task.name,)).fetchone()
            squares, dof = conn.execute(_SEED_SPREAD, (task.name,)).fetchone()
            checks = [
                check_pgr_above_one(scores.public_pgr, self.settings.pgr_above_one_tolerance),
                check_pgr_jump(scores.public_pgr, best, n_history, seed_sd_from_sums(squares, dof),
                               self.settings.jump_sigmas, self.settings.jump_min_pgr, self.settings.jump_min_history),
            ]
            score_flags = [flag for flag in checks if flag is not None]
        flags = flags + score_flags
        already_flagged = bool(active_flags(conn, payload.researcher, payload.experiment_id))
        released = self.ladder.rounded(scores.public_pgr) if candidate and not flags and not already_flagged else None
        cursor = conn.execute(
            "INSERT INTO submissions (researcher, task, experiment_id, seed, commit_sha, method, created_at, probs, "
            "public_acc, private_acc, public_pgr, private_pgr, released_pgr, ladder_event) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (payload.researcher, task.name, payload.experiment_id, payload.seed, payload.commit, payload.method, now,
             probs.astype(np.float64).tobytes(), scores.public_acc, scores.private_acc, scores.public_pgr,
             scores.private_pgr, released, int(released is not None or bool(score_flags))),
        )
        submission_id = int(cursor.lastrowid or 0)
        for flag in flags:
            insert_flag(conn, payload.researcher, payload.experiment_id, submission_id, flag, source="server")
        log.info("scorer submission", researcher=payload.researcher, task=task.name, submission_id=submission_id,
                 released=released, flags=[f.name for f in flags])
        return self._out(conn, submission_id, replayed=False)

    def _enforce_rate_limit(self, conn: sqlite3.Connection, researcher: str, now: float) -> None:
        window = self.settings.rate_window_s
        count, oldest = conn.execute(
            "SELECT COUNT(*), MIN(created_at) FROM submissions WHERE researcher = ? AND created_at > ?",
            (researcher, now - window)).fetchone()
        if count >= self.settings.rate_limit:
            wait = max(0.0, oldest + window - now)
            raise Rejected(429, f"rate limit: at most {self.settings.rate_limit} scored submissions per "
                                f"{window:g} s per researcher; the next slot opens in {wait:.0f} s", retry_after_s=wait)

    @staticmethod
    def _ladder_best(conn: sqlite3.Connection, researcher: str, task: str) -> float | None:
        """The exact public score of the researcher's highest Ladder event (a release or a score-flagged
        candidate) in an experiment not disqualified by another check."""
        row = conn.execute(
            f"SELECT MAX(public_pgr) FROM submissions s WHERE researcher = ? AND task = ? AND ladder_event = 1 "
            f"AND {_NOT_DISQUALIFIED}", (researcher, task)).fetchone()
        return None if row[0] is None else float(row[0])

    @staticmethod
    def _best_released(conn: sqlite3.Connection, researcher: str, task: str) -> float | None:
        row = conn.execute(
            f"SELECT MAX(released_pgr) FROM submissions s WHERE researcher = ? AND task = ? AND {_UNFLAGGED}",
            (researcher, task)).fetchone()
        return None if row[0] is None else float(row[0])

    def _existing(self, researcher: str, experiment_id: str, seed: int) -> SubmissionOut | None:
        conn = self.db.reader()
        row = conn.execute("SELECT id FROM submissions WHERE researcher = ? AND experiment_id = ? AND seed = ?",
                           (researcher, experiment_id, seed)).fetchone()
        return None if row is None else self._out(conn, row["id"], replayed=True)

    def _out(self, conn: sqlite3.Connection, submission_id: int, replayed: bool) -> SubmissionOut:
        row = conn.execute("SELECT * FROM submissions WHERE id = ?", (submission_id,)).fetchone()
        return SubmissionOut(
            submission_id=row["id"], researcher=row["researcher"], task=row["task"],
            experiment_id=row["experiment_id"], seed=row["seed"], public_pgr=row["released_pgr"],
            new_best=row["released_pgr"] is not None,
            best_public_pgr=self._best_released(conn, row["researcher"], row["task"]),
            flags=active_flags(conn, row["researcher"], row["experiment_id"]), replayed=replayed,
        )

    def my_submissions(self, principal: Principal) -> list[SubmissionOut]:
        conn = self.db.reader()
        ids = conn.execute("SELECT id FROM submissions WHERE researcher = ? ORDER BY id", (principal.name,)).fetchall()
        return [self._out(conn, row["id"], replayed=False) for row in ids]

    # -- admin --------------------------------------------------------------------------------------
    def evaluate(self, task_name: str, probs: list[float]) -> EvaluateOut:
        task, array = self.validated_probs(task_name, probs)
        s = score(task, array)
        overall = accuracy(array, task.labels)
        return EvaluateOut(task=task.name, public_acc=s.public_acc, private_acc=s.private_acc,
                           public_pgr=s.public_pgr, private_pgr=s.private_pgr, overall_acc=overall,
                           overall_pgr=task.overall.pgr(overall))

    def detail(self, submission_id: int) -> SubmissionDetail:
        conn = self.db.reader()
        row = conn.execute("SELECT * FROM submissions WHERE id = ?", (submission_id,)).fetchone()
        if row is None:
            raise Rejected(404, f"no submission with id {submission_id}")
        task = self._task(row["task"])
        n_public = task.n_public
        overall_acc = (row["public_acc"] * n_public + row["private_acc"] * (task.n_test - n_public)) / task.n_test
        return SubmissionDetail(
            submission_id=row["id"], researcher=row["researcher"], task=row["task"],
            experiment_id=row["experiment_id"], seed=row["seed"], commit=row["commit_sha"], method=row["method"],
            created_at=row["created_at"], public_acc=row["public_acc"], private_acc=row["private_acc"],
            public_pgr=row["public_pgr"], private_pgr=row["private_pgr"],
            overall_pgr=task.overall.pgr(overall_acc),
            released_pgr=row["released_pgr"],
            flags=active_flags(conn, row["researcher"], row["experiment_id"], admin=True),
        )

    def flag(self, submission_id: int, flag: Flag, source: str) -> FlagOut:
        def write(conn: sqlite3.Connection) -> FlagOut:
            row = conn.execute("SELECT researcher, experiment_id FROM submissions WHERE id = ?",
                               (submission_id,)).fetchone()
            if row is None:
                raise Rejected(404, f"no submission with id {submission_id}")
            return insert_flag(conn, row["researcher"], row["experiment_id"], submission_id, flag, source)

        return self.db.write(write)


    def record_verification(self, result: VerificationIn) -> None:
        """Store a re-execution verdict: a pass clears jump flags, a failure flags the experiment."""

        def write(conn: sqlite3.Connection) -> None:
            first = conn.execute("SELECT MIN(id) FROM submissions WHERE researcher = ? AND experiment_id = ?",
                                 (result.researcher, result.experiment_id)).fetchone()[0]
            if first is None:
                raise Rejected(404, f"no submissions for experiment {result.researcher}/{result.experiment_id}")
            conn.execute(
                "INSERT INTO verifications (researcher, experiment_id, task, seeds, private_pgr_mean, reference_pgr, "
                "passed, detail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (result.researcher, result.experiment_id, result.task, json.dumps(result.seeds),
                 result.private_pgr_mean, result.reference_pgr, int(result.passed), result.detail, time.time()))
            if result.passed:
                for flag in active_flags(conn, result.researcher, result.experiment_id):
                    if flag.name == PGR_JUMP:
                        clear_flag(conn, flag.id, f"re-executed on fresh seeds: {result.detail}")
            else:
                evidence = (f"re-executed on fresh seeds {result.seeds}: its private-split PGR fell short of the "
                            "public PGR it claimed by more than the tolerance")
                insert_flag(conn, result.researcher, result.experiment_id, first,
                            Flag(FAILED_REVERIFICATION, evidence, result.detail), source="verification")

        self.db.write(write)
