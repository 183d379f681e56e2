"""SQLite as every run-folder database uses it: WAL (readers in other processes never block the writer) and a busy
timeout (concurrent writers wait instead of failing with "database is locked")."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Literal

Synchronous = Literal["NORMAL", "FULL"]


def apply_pragmas(
    conn: sqlite3.Connection, timeout_s: float, synchronous: Synchronous = "NORMAL", foreign_keys: bool = False
) -> None:
    """Set WAL, the busy timeout and the durability level on a fresh connection (also SQLAlchemy's raw one)."""
    conn.execute(f"PRAGMA busy_timeout={int(timeout_s * 1000)}")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    if foreign_keys:
        conn.execute("PRAGMA foreign_keys=ON")


def connect_sqlite(
    path: Path, timeout_s: float = 30.0, synchronous: Synchronous = "NORMAL", foreign_keys: bool = False
) -> sqlite3.Connection:
    """An autocommit connection usable from several threads (the caller serialises use) with :func:`apply_pragmas`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=timeout_s, check_same_thread=False, isolation_level=None)
    apply_pragmas(conn, timeout_s, synchronous, foreign_keys)
    return conn
