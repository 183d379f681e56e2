"""The append-only audit log: one row per HTTP request (who, when, what, outcome).

The table refuses UPDATE and DELETE through triggers, so even a bug in the server cannot rewrite history.
"""

from __future__ import annotations

import sqlite3
import time
from tools.scorer.db import Database
from tools.scorer.models import AuditEntry, AuditRecord


async def append_audit(database: Database, record: AuditRecord) -> None:
    def write(conn: sqlite3.Connection) -> None:
        conn.execute(
            "INSERT INTO audit (at, principal, role, client, http_method, path, action, status, outcome) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (time.time(), record.principal, record.role, record.client, record.http_method, record.path,
             record.action, record.status, record.outcome[:2000]))

    await database.write_async(write)


def read_audit(database: Database, limit: int | None = None, after_id: int = 0) -> list[AuditEntry]:
    sql = "SELECT * FROM audit WHERE id > ? ORDER BY id"
    params: tuple[object, ...] = (after_id,)
    if limit is not None:
        sql += " LIMIT ?"
        params = (after_id, limit)
    return [AuditEntry(**dict(row)) for row in database.query(sql, params)]
