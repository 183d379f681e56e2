"""Flags in the database: raised on an experiment (through one of its submissions), cleared only with a reason."""

from __future__ import annotations

import sqlite3
import time

from tools.scorer.checks.flags import Flag
from tools.scorer.models import FlagOut

ACTIVE = "cleared_at IS NULL"


def _flag_out(row: sqlite3.Row, admin: bool) -> FlagOut:
    return FlagOut(id=row["id"], name=row["name"], evidence=row["evidence"], source=row["source"],
                   submission_id=row["submission_id"], cleared=row["cleared_at"] is not None,
                   detail=row["detail"] if admin else None)


def insert_flag(
    conn: sqlite3.Connection, researcher: str, experiment_id: str, submission_id: int | None, flag: Flag, source: str
) -> FlagOut:
    """Store ``flag`` unless the same flag with the same evidence is already active (checks may be re-run)."""
    same = conn.execute(
        f"SELECT * FROM flags WHERE researcher = ? AND experiment_id = ? AND name = ? AND evidence = ? AND {ACTIVE}",
        (researcher, experiment_id, flag.name, flag.evidence)).fetchone()
    if same is not None:
        return _flag_out(same, admin=True)
    cursor = conn.execute(
        "INSERT INTO flags (researcher, experiment_id, submission_id, name, evidence, detail, source, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (researcher, experiment_id, submission_id, flag.name, flag.evidence, flag.detail, source, time.time()))
    return _flag_out(conn.execute("SELECT * FROM flags WHERE id = ?", (cursor.lastrowid,)).fetchone(), admin=True)


def active_flags(conn: sqlite3.Connection, researcher: str, experiment_id: str, admin: bool = False) -> list[FlagOut]:
    rows = conn.execute(
        f"SELECT * FROM flags WHERE researcher = ? AND experiment_id = ? AND {ACTIVE} ORDER BY id",
        (researcher, experiment_id)).fetchall()
    return [_flag_out(row, admin) for row in rows]


def all_active_flags(conn: sqlite3.Connection, admin: bool) -> dict[tuple[str, str], list[FlagOut]]:
    """Every active flag, keyed by (researcher, experiment_id): one query for a whole leaderboard."""
    grouped: dict[tuple[str, str], list[FlagOut]] = {}
    for row in conn.execute(f"SELECT * FROM flags WHERE {ACTIVE} ORDER BY id").fetchall():
        grouped.setdefault((row["researcher"], row["experiment_id"]), []).append(_flag_out(row, admin))
    return grouped


def clear_flag(conn: sqlite3.Connection, flag_id: int, reason: str) -> FlagOut | None:
    conn.execute(f"UPDATE flags SET cleared_at = ?, cleared_reason = ? WHERE id = ? AND {ACTIVE}",
                 (time.time(), reason, flag_id))
    row = conn.execute("SELECT * FROM flags WHERE id = ?", (flag_id,)).fetchone()
    return None if row is None else _flag_out(row, admin=True)
