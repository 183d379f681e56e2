"""The scorer's SQLite database: ground truth, baselines, token hashes, submissions, flags, audit log.

WAL mode with a busy timeout so that readers (the CLI, a dashboard) never block the server, and a single
writer discipline inside a process: every write goes through :meth:`Database.write`, which holds one lock
around one connection and commits before returning, so an acknowledged submission is always stored.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from aar import RunFolder

DB_FILE = "scorer.sqlite"
BUSY_TIMEOUT_MS = 30_000
T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (
    name TEXT PRIMARY KEY,
    n_test INTEGER NOT NULL,
    labels BLOB NOT NULL,
    public_mask BLOB NOT NULL,
    public_fraction REAL NOT NULL,
    split_seed INTEGER NOT NULL,
    baseline_seeds TEXT NOT NULL,
    weak_public REAL NOT NULL, ceiling_public REAL NOT NULL,
    weak_private REAL NOT NULL, ceiling_private REAL NOT NULL,
    weak_all REAL NOT NULL, ceiling_all REAL NOT NULL,
    registered_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY,
    principal TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('researcher', 'admin')),
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    researcher TEXT NOT NULL,
    task TEXT NOT NULL REFERENCES tasks(name),
    experiment_id TEXT NOT NULL,
    seed INTEGER NOT NULL,
    commit_sha TEXT NOT NULL,
    method TEXT NOT NULL,
    created_at REAL NOT NULL,
    probs BLOB NOT NULL,
    public_acc REAL NOT NULL, private_acc REAL NOT NULL,
    public_pgr REAL NOT NULL, private_pgr REAL NOT NULL,
    released_pgr REAL,
    UNIQUE (researcher, experiment_id, seed)
);
CREATE INDEX IF NOT EXISTS submissions_by_researcher ON submissions (researcher, created_at);
CREATE INDEX IF NOT EXISTS submissions_by_experiment ON submissions (researcher, experiment_id);
CREATE TABLE IF NOT EXISTS flags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    researcher TEXT NOT NULL,
    experiment_id TEXT NOT NULL,
    submission_id INTEGER REFERENCES submissions(id),
    name TEXT NOT NULL,
    evidence TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at REAL NOT NULL,
    cleared_at REAL,
    cleared_reason TEXT
);
CREATE INDEX IF NOT EXISTS flags_by_experiment ON flags (researcher, experiment_id);
CREATE TABLE IF NOT EXISTS verifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    researcher TEXT NOT NULL,
    experiment_id TEXT NOT NULL,
    task TEXT NOT NULL,
    seeds TEXT NOT NULL,
    private_pgr_mean REAL NOT NULL,
    reference_pgr REAL NOT NULL,
    passed INTEGER NOT NULL,
    detail TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    principal TEXT NOT NULL,
    role TEXT NOT NULL,
    client TEXT NOT NULL,
    http_method TEXT NOT NULL,
    path TEXT NOT NULL,
    action TEXT NOT NULL,
    status INTEGER NOT NULL,
    outcome TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS submissions_no_delete BEFORE DELETE ON submissions
    BEGIN SELECT RAISE(ABORT, 'submissions are never deleted'); END;
"""


def db_path(run: RunFolder) -> Path:
    return run.scorer_dir / DB_FILE


def ensure_private_dir(run: RunFolder) -> Path:
    """``RUN/scorer`` exists and only its owner can list or read it."""
    run.scorer_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(run.scorer_dir, 0o700)
    return run.scorer_dir


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


class Database:
    """One write connection behind a lock plus one read connection per thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        new = not path.exists()
        self._writer = _connect(path)
        if new:
            os.chmod(path, 0o600)
        self._write_lock = threading.Lock()
        self._local = threading.local()
        with self._write_lock:
            self._writer.executescript(_SCHEMA)  # runs in its own transaction (executescript commits)

    @classmethod
    def for_run(cls, run: RunFolder) -> Database:
        ensure_private_dir(run)
        return cls(db_path(run))

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """The single writer: BEGIN IMMEDIATE ... COMMIT under the process-wide write lock."""
        with self._write_lock:
            self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                self._writer.execute("ROLLBACK")
                raise
            self._writer.execute("COMMIT")

    def write(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        with self.transaction() as conn:
            return operation(conn)

    def reader(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = _connect(self.path)
            self._local.conn = conn
        return conn

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        return self.reader().execute(sql, params).fetchall()

    def close(self) -> None:
        self._writer.close()
