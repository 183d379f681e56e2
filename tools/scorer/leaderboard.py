"""Leaderboards: the public one (each researcher's best Ladder release per task) and the private one (admin).

Flagged experiments never get a rank; they are listed apart with the flags' evidence, in both views.
"""

from __future__ import annotations

import math
import sqlite3
import statistics
from collections import defaultdict

from tools.scorer.db import Database
from tools.scorer.flagstore import all_active_flags
from tools.scorer.models import Leaderboard, LeaderboardEntry

_EXPERIMENTS = """
SELECT researcher, task, experiment_id, MAX(method) AS method, MAX(commit_sha) AS commit_sha, COUNT(*) AS n_seeds,
       AVG(public_pgr) AS public_pgr, AVG(private_pgr) AS private_pgr, MAX(released_pgr) AS released_pgr,
       GROUP_CONCAT(private_pgr) AS private_values, MIN(id) AS first_id
FROM submissions {where} GROUP BY researcher, task, experiment_id ORDER BY first_id
"""


def _rank(entries: list[LeaderboardEntry]) -> list[LeaderboardEntry]:
    by_task: dict[str, list[LeaderboardEntry]] = defaultdict(list)
    for entry in entries:
        by_task[entry.task].append(entry)
    ranked: list[LeaderboardEntry] = []
    for task in sorted(by_task):
        ordered = sorted(by_task[task], key=lambda e: -(e.pgr if e.pgr is not None else -math.inf))
        ranked += [e.model_copy(update={"rank": i + 1}) for i, e in enumerate(ordered)]
    return ranked


def _se(values: str | None) -> float | None:
    numbers = [float(v) for v in (values or "").split(",") if v]
    return statistics.stdev(numbers) / math.sqrt(len(numbers)) if len(numbers) >= 2 else None


def _verified(conn: sqlite3.Connection, researcher: str, experiment_id: str) -> float | None:
    row = conn.execute("SELECT private_pgr_mean FROM verifications WHERE researcher = ? AND experiment_id = ? "
                       "AND passed = 1 ORDER BY id DESC LIMIT 1", (researcher, experiment_id)).fetchone()
    return None if row is None else float(row[0])


def build_leaderboard(database: Database, private: bool, task: str | None = None) -> Leaderboard:
    conn = database.reader()
    where, params = ("WHERE task = ?", (task,)) if task else ("", ())
    rows = conn.execute(_EXPERIMENTS.format(where=where), params).fetchall()
    active = all_active_flags(conn, admin=private)
    best_public: dict[tuple[str, str], LeaderboardEntry] = {}
    ranked: list[LeaderboardEntry] = []
    flagged: list[LeaderboardEntry] = []
    for row in rows:
        flags = active.get((row["researcher"], row["experiment_id"]), [])
        entry = LeaderboardEntry(
            rank=None, researcher=row["researcher"], task=row["task"], experiment_id=row["experiment_id"],
            method=row["method"], commit=row["commit_sha"], n_seeds=row["n_seeds"], flags=flags,
            pgr=row["private_pgr"] if private else row["released_pgr"],
        )
        if private:
            entry = entry.model_copy(update={
                "public_pgr": row["public_pgr"], "private_pgr_se": _se(row["private_values"]),
                "verified_pgr": _verified(conn, row["researcher"], row["experiment_id"])})
        if flags:
            flagged.append(entry if private else entry.model_copy(update={"pgr": None}))
        elif private:
            ranked.append(entry)
        elif entry.pgr is not None:
            key = (entry.task, entry.researcher)
            if key not in best_public or entry.pgr > (best_public[key].pgr or -math.inf):
                best_public[key] = entry
    if not private:
        ranked = list(best_public.values())
    return Leaderboard(private=private, entries=_rank(ranked), flagged=flagged)
