"""The scorer's SQLite database: ground truth, baselines, token hashes, submissions, flags, audit log.

WAL mode with a busy timeout so that readers (the CLI, a dashboard) never block the server, and a single
writer discipline inside a process: every write goes through :meth:`Database.write`, which hands it to one
writer thread owning one connection. That thread runs whatever writes are waiting in one transaction (each
in its own savepoint, so one failing write undoes only itself), commits with a full fsync, and only then
answers each caller: an acknowledged submission is always stored, and concurrent writers share one fsync.
"""

from __future__ import annotations

import asyncio
import os
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from aar import RunFolder
from aar.sqlite import connect_sqlite

DB_FILE = "scorer.sqlite"
BUSY_TIMEOUT_MS = 30_000
MAX_BATCH = 256
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
    ladder_event INTEGER NOT NULL DEFAULT 0,
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
    detail TEXT NOT NULL DEFAULT '',
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
    conn = connect_sqlite(path, BUSY_TIMEOUT_MS / 1000, synchronous="FULL", foreign_keys=True)
    conn.row_factory = sqlite3.Row
    return conn


def _migrate(conn: sqlite3.Connection) -> None:
    """Columns added after a database was first created (CREATE TABLE IF NOT EXISTS does not add them)."""
    for table, column, declaration, backfill in (
        ("submissions", "ladder_event", "INTEGER NOT NULL DEFAULT 0",
         "UPDATE submissions SET ladder_event = 1 WHERE released_pgr IS NOT NULL"),
        ("flags", "detail", "TEXT NOT NULL DEFAULT ''", None),
    ):
        if column in {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}:
            continue
        try:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
        except sqlite3.OperationalError as error:  # another process added it a moment ago
            if "duplicate column" not in str(error):
                raise
        if backfill:
            conn.execute(backfill)


@dataclass
class _Job(Generic[T]):
    operation: Callable[[sqlite3.Connection], T]
    done: threading.Event = field(default_factory=threading.Event)
    value: Any = None
    error: BaseException | None = None
    notify: Callable[[], None] | None = None  # called from the writer thread once done (async callers)


class Database:
    """One writer thread (group commit) plus one read connection per calling thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        new = not path.exists()
        self._writer = _connect(path)
        if new:
            os.chmod(path, 0o600)
        self._writer.executescript(_SCHEMA)  # runs in its own transaction (executescript commits)
        _migrate(self._writer)
        self._local = threading.local()
        self._jobs: queue.SimpleQueue[_Job[Any] | None] = queue.SimpleQueue()
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @classmethod
    def for_run(cls, run: RunFolder) -> Database:
        ensure_private_dir(run)
        return cls(db_path(run))

    def write(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``operation`` inside a write transaction; returns once it is committed (or raises its error)."""
        job: _Job[T] = _Job(operation)
        self._enqueue(job)
        job.done.wait()
        return self._result(job)

    async def write_async(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        """:meth:`write` for the event loop: awaits the commit without holding a worker thread."""
        loop = asyncio.get_running_loop()
        finished = loop.create_future()
        job: _Job[T] = _Job(operation, notify=lambda: loop.call_soon_threadsafe(finished.set_result, None))
        self._enqueue(job)
        await finished
        return self._result(job)

    def _enqueue(self, job: _Job[Any]) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._write_loop, name="scorer-db-writer", daemon=True)
                self._thread.start()
        self._jobs.put(job)

    @staticmethod
    def _result(job: _Job[T]) -> T:
        if job.error is not None:
            raise job.error
        return job.value  # type: ignore[no-any-return]

    def _write_loop(self) -> None:
        while True:
            first = self._jobs.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    self._jobs.put(None)  # stop after this batch
                    break
                batch.append(job)
            self._commit(batch)

    def _commit(self, batch: list[_Job[Any]]) -> None:
        conn = self._writer
        try:
            conn.execute("BEGIN IMMEDIATE")
            for job in batch:
                conn.execute("SAVEPOINT job")
                try:
                    job.value = job.operation(conn)
                except BaseException as error:  # the caller gets it; the other jobs go on
                    job.error = error
                    conn.execute("ROLLBACK TO job")
                conn.execute("RELEASE job")
            conn.execute("COMMIT")
        except sqlite3.Error as error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            for job in batch:
                if job.error is None:
                    job.error, job.value = error, None
        finally:
            for job in batch:
                job.done.set()
                if job.notify is not None:
                    job.notify()

    def reader(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = _connect(self.path)
            self._local.conn = conn
        return conn

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        return self.reader().execute(sql, params).fetchall()

    def close(self) -> None:
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()
            self._thread = None
        self._writer.close()
