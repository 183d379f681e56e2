from __future__ import annotations

from pathlib import Path

from aar.sqlite import connect_sqlite


def test_connection_is_wal_with_busy_timeout_and_chosen_durability(tmp_path: Path) -> None:
    conn = connect_sqlite(tmp_path / "nested" / "db.sqlite", timeout_s=7.5, synchronous="FULL", foreign_keys=True)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 7500
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_a_second_process_reads_while_a_write_transaction_is_open(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    writer = connect_sqlite(path)
    writer.execute("CREATE TABLE t (x INTEGER)")
    writer.execute("INSERT INTO t VALUES (1)")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO t VALUES (2)")
    reader = connect_sqlite(path, timeout_s=0.1)
    assert reader.execute("SELECT count(*) FROM t").fetchone()[0] == 1
    writer.execute("COMMIT")
    assert reader.execute("SELECT count(*) FROM t").fetchone()[0] == 2
