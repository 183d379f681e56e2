"""What a finished campaign left behind, read straight from its run folder's SQLite files and git repository."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import git


def _rows(path: Path, query: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def call_of(step_id: str | None) -> str:
    """``r1:s1:t5:c0/forum_post/<hash of the arguments>`` -> ``r1:s1:t5:c0/forum_post``: the arguments hash
    differs between two runs whenever they name run-specific values (experiment ids), the call does not."""
    parts = (step_id or "").split("/")
    return "/".join(parts[:2]) if len(parts) == 3 else (step_id or "")


def run_contents(root: Path) -> dict[str, Any]:
    posts = _rows(root / "forum.sqlite", "SELECT author, step_id, title FROM forum_post")
    experiments = _rows(root / "experiments" / "experiments.sqlite",
                        "SELECT step_id, researcher, method_path, task, seeds, state, per_seed, commit_sha FROM experiments")
    submissions = _rows(root / "scorer" / "scorer.sqlite", "SELECT researcher, experiment_id, seed FROM submissions")
    repo = git.Repo(root / "code" / "repo.git")
    commits: dict[str, list[str]] = {}
    for head in repo.heads:
        steps = [call_of(line.split(":", 1)[1].strip()) for c in repo.iter_commits(head)
                 for line in c.message.splitlines() if line.startswith("Step-Id:")]
        commits[head.name] = sorted(steps)
    return {
        "posts": Counter((author, call_of(step_id)) for author, step_id, _ in posts),
        "experiments": Counter(call_of(row[0]) for row in experiments),
        "experiment_rows": {call_of(row[0]): {"researcher": row[1], "method": row[2], "task": row[3], "seeds": json.loads(row[4]),
                                     "state": row[5], "per_seed": json.loads(row[6]), "commit": row[7]}
                            for row in experiments},
        "submissions": Counter(submissions),
        "commits": commits,
    }
