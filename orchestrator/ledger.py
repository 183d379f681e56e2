"""What the campaign has spent, step by step (SQLite, WAL), and its event log (append-only JSON lines).

Both are read by other processes (``aar campaign status``, a dashboard) while the campaign writes them.
A step is recorded once by its step id, so a step re-run after a crash is not counted twice.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aar import RunFolder
from aar.sqlite import connect_sqlite

_SCHEMA = """
CREATE TABLE IF NOT EXISTS steps (
    step_id TEXT PRIMARY KEY,
    researcher TEXT NOT NULL,
    round INTEGER NOT NULL,
    session INTEGER NOT NULL,
    kind TEXT NOT NULL,
    cost_usd REAL NOT NULL DEFAULT 0,
    seconds REAL NOT NULL DEFAULT 0,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    ended_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS steps_researcher ON steps(researcher, ended_at);
CREATE TABLE IF NOT EXISTS clock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    first_started_at REAL NOT NULL,
    active_seconds REAL NOT NULL DEFAULT 0,
    segment_started_at REAL
);
"""


def ledger_path(run: RunFolder) -> Path:
    return run.root / "state" / "ledger.sqlite"


@dataclass(frozen=True)
class Spend:
    api_dollars: float = 0.0
    research_seconds: float = 0.0
    steps: int = 0


class Ledger:
    def __init__(self, run: RunFolder) -> None:
        self._conn = connect_sqlite(ledger_path(run))
        self._lock = threading.Lock()
        with self._lock:
            self._conn.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def record_step(
        self,
        step_id: str,
        researcher: str,
        round_index: int,
        session: int,
        kind: str,
        seconds: float,
        cost_usd: float = 0.0,
        input_tokens: int = 0,
        output_tokens: int = 0,
    ) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT OR IGNORE INTO steps VALUES (?,?,?,?,?,?,?,?,?,?)",
                (step_id, researcher, round_index, session, kind, cost_usd, seconds, input_tokens, output_tokens, time.time()),
            )

    def spend(self, researcher: str | None = None) -> Spend:
        query = "SELECT COALESCE(SUM(cost_usd),0), COALESCE(SUM(seconds),0), COUNT(*) FROM steps"
        params: tuple[str, ...] = ()
        if researcher is not None:
            query += " WHERE researcher=?"
            params = (researcher,)
        with self._lock:
            row = self._conn.execute(query, params).fetchone()
        return Spend(float(row[0]), float(row[1]), int(row[2]))

    def spend_by_researcher(self) -> dict[str, Spend]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT researcher, SUM(cost_usd), SUM(seconds), COUNT(*) FROM steps GROUP BY researcher"
            ).fetchall()
        return {r[0]: Spend(float(r[1]), float(r[2]), int(r[3])) for r in rows}

    def research_timeline(self, researcher: str) -> list[tuple[float, float]]:
        """(ended_at, cumulative research seconds) after each of the researcher's steps."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT ended_at, seconds FROM steps WHERE researcher=? ORDER BY ended_at", (researcher,)
            ).fetchall()
        total, timeline = 0.0, []
        for ended_at, seconds in rows:
            total += float(seconds)
            timeline.append((float(ended_at), total))
        return timeline

    # -- the campaign clock: wall-clock hours count only while a campaign process runs --------------
    def clock_start(self) -> None:
        now = time.time()
        with self._lock:
            self._conn.execute(
                "INSERT OR IGNORE INTO clock (id, first_started_at, active_seconds) VALUES (1, ?, 0)", (now,)
            )
            self._conn.execute("UPDATE clock SET segment_started_at=? WHERE id=1", (now,))

    def clock_checkpoint(self) -> None:
        """Fold the running segment into active_seconds (called often, so a kill -9 loses little)."""
        now = time.time()
        with self._lock:
            self._conn.execute(
                "UPDATE clock SET active_seconds = active_seconds + (? - segment_started_at), segment_started_at=?"
                " WHERE id=1 AND segment_started_at IS NOT NULL",
                (now, now),
            )

    def wall_clock_seconds(self) -> float:
        with self._lock:
            row = self._conn.execute("SELECT active_seconds, segment_started_at FROM clock WHERE id=1").fetchone()
        if row is None:
            return 0.0
        running = time.time() - row[1] if row[1] is not None else 0.0
        return float(row[0]) + max(0.0, running)


class EventLog:
    """``events.jsonl``: one JSON object per line, each written with a single append."""

    def __init__(self, run: RunFolder) -> None:
        self.path = run.events
        self._lock = threading.Lock()

    def emit(self, kind: str, **fields: Any) -> dict[str, Any]:
        event = {"ts": time.time(), "kind": kind, **fields}
        line = json.dumps(event, default=str) + "\n"
        with self._lock, open(self.path, "a", encoding="utf-8") as handle:
            handle.write(line)
        return event

    def read(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        events = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:  # a line cut short by a kill -9
                continue
        return events
