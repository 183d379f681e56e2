"""The experiment queue: one SQLite file in the run folder (WAL), readable by other processes while it is written."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Iterator

from aar.sqlite import connect_sqlite
from tools.experiments.records import ExperimentOutcome, ExperimentRecord, SeedResult

_SCHEMA = """
CREATE TABLE IF NOT EXISTS experiments (
    experiment_id TEXT PRIMARY KEY,
    step_id TEXT NOT NULL UNIQUE,
    researcher TEXT NOT NULL,
    method_path TEXT NOT NULL,
    commit_sha TEXT,
    task TEXT NOT NULL,
    seeds TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    per_seed TEXT NOT NULL DEFAULT '[]',
    flags TEXT NOT NULL DEFAULT '[]',
    error TEXT
);
CREATE INDEX IF NOT EXISTS experiments_state ON experiments(state, created_at);
"""


class ExperimentQueue:
    """Durable experiment records; every write is one transaction, so a kill -9 leaves a consistent queue."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self._conn = connect_sqlite(db_path)
        self._lock = threading.Lock()
        with self._lock:
            self._conn.executescript(_SCHEMA)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- writes -------------------------------------------------------------------------------------
    def add(
        self, researcher: str, method_path: str, commit: str | None, task: str, seeds: list[int], step_id: str
    ) -> tuple[str, bool]:
        """Queue an experiment; returns (id, created). The same step id always gives back the same experiment."""
        with self._tx() as conn:
            row = conn.execute("SELECT experiment_id FROM experiments WHERE step_id=?", (step_id,)).fetchone()
            if row is not None:
                return str(row[0]), False
            experiment_id = f"exp-{uuid.uuid4().hex[:10]}"
            conn.execute(
                "INSERT INTO experiments (experiment_id, step_id, researcher, method_path, commit_sha, task, seeds,"
                " state, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
                (experiment_id, step_id, researcher, method_path, commit, task, json.dumps(seeds), "queued", time.time()),
            )
            return experiment_id, True

    def claim_next(self) -> ExperimentRecord | None:
        """Move the oldest queued experiment to running and return it (None when the queue is empty)."""
        with self._tx() as conn:
            row = conn.execute(
                "SELECT experiment_id FROM experiments WHERE state='queued' ORDER BY created_at, rowid LIMIT 1"
            ).fetchone()
            if row is None:
                return None
            conn.execute(
                "UPDATE experiments SET state='running', started_at=? WHERE experiment_id=?", (time.time(), row[0])
            )
        return self.get(str(row[0]))

    def record_seed(self, experiment_id: str, result: SeedResult) -> None:
        """Persist one seed's score as soon as it exists, so a re-run after a crash never scores it twice."""
        with self._tx() as conn:
            row = conn.execute("SELECT per_seed FROM experiments WHERE experiment_id=?", (experiment_id,)).fetchone()
            per_seed = [r for r in json.loads(row[0]) if r["seed"] != result.seed]
            per_seed.append(asdict(result))
            conn.execute(
                "UPDATE experiments SET per_seed=? WHERE experiment_id=?", (json.dumps(per_seed), experiment_id)
            )

    def finish(self, experiment_id: str, outcome: ExperimentOutcome) -> None:
        state = "failed" if outcome.error else ("flagged" if outcome.flags else "done")
        per_seed = sorted(outcome.per_seed, key=lambda r: r.seed)
        with self._tx() as conn:
            conn.execute(
                "UPDATE experiments SET state=?, finished_at=?, per_seed=?, flags=?, error=? WHERE experiment_id=?",
                (
                    state,
                    time.time(),
                    json.dumps([asdict(r) for r in per_seed]),
                    json.dumps(sorted(set(outcome.flags))),
                    outcome.error,
                    experiment_id,
                ),
            )

    def add_flags(self, experiment_id: str, flags: list[str]) -> None:
        """Flags found after the fact (e.g. the end-of-campaign verification) disqualify a finished experiment."""
        record = self.get(experiment_id)
        if record is None or not flags:
            return
        merged = sorted(set(record.flags) | set(flags))
        with self._tx() as conn:
            conn.execute(
                "UPDATE experiments SET flags=?, state=CASE WHEN state='done' THEN 'flagged' ELSE state END"
                " WHERE experiment_id=?",
                (json.dumps(merged), experiment_id),
            )

    def requeue_interrupted(self) -> int:
        """After a crash, experiments left 'running' go back to the queue (seeds already scored are kept)."""
        with self._tx() as conn:
            return conn.execute("UPDATE experiments SET state='queued', started_at=NULL WHERE state='running'").rowcount

    # -- reads --------------------------------------------------------------------------------------
    def get(self, experiment_id: str) -> ExperimentRecord | None:
        with self._lock:
            row = self._conn.execute(f"SELECT {_COLUMNS} FROM experiments WHERE experiment_id=?", (experiment_id,)).fetchone()
        return _record(row) if row else None

    def find_by_step(self, step_id: str) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT experiment_id FROM experiments WHERE step_id=?", (step_id,)).fetchone()
        return str(row[0]) if row else None

    def all(self, researcher: str | None = None) -> list[ExperimentRecord]:
        query = f"SELECT {_COLUMNS} FROM experiments"
        params: tuple[str, ...] = ()
        if researcher is not None:
            query += " WHERE researcher=?"
            params = (researcher,)
        with self._lock:
            rows = self._conn.execute(query + " ORDER BY created_at, rowid", params).fetchall()
        return [_record(row) for row in rows]

    def count_active(self) -> int:
        with self._lock:
            row = self._conn.execute("SELECT COUNT(*) FROM experiments WHERE state IN ('queued','running')").fetchone()
        return int(row[0])


_COLUMNS = (
    "experiment_id, step_id, researcher, method_path, commit_sha, task, seeds, state, created_at, started_at,"
    " finished_at, per_seed, flags, error"
)


def _record(row: tuple) -> ExperimentRecord:  # type: ignore[type-arg]
    return ExperimentRecord(
        experiment_id=row[0],
        step_id=row[1],
        researcher=row[2],
        method_path=row[3],
        commit=row[4],
        task=row[5],
        seeds=[int(s) for s in json.loads(row[6])],
        state=row[7],
        created_at=row[8],
        started_at=row[9],
        finished_at=row[10],
        per_seed=[SeedResult(**r) for r in json.loads(row[11])],
        flags=list(json.loads(row[12])),
        error=row[13],
    )
