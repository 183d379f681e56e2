"""Scorer fixtures: a synthetic task (labels and baselines with a known gap) and real scorer processes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from aar import RunFolder
from tools.scorer import ScorerClient, ScorerProcess, ScorerSettings, issue_tokens, register_task, start_scorer
from tools.scorer.db import Database, db_path
from tools.scorer.tasks import TaskRecord, load_task

N_TEST = 400
TASK = "synth"
RESEARCHERS = ["alice", "bob"]


def predictions_with_accuracy(labels: np.ndarray, acc: float, seed: int) -> np.ndarray:
    """Probabilities whose hard predictions are right on a random ``acc`` share of items."""
    rng = np.random.default_rng(seed)
    right = rng.random(len(labels)) < acc
    hard = np.where(right, labels, 1 - labels)
    return np.clip(0.5 + (hard - 0.5) * rng.uniform(0.2, 0.9, len(labels)), 0.0, 1.0)


def synthetic_labels(n: int = N_TEST, seed: int = 7) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 2, n)


def register_synthetic(run: RunFolder, name: str = TASK, n: int = N_TEST) -> np.ndarray:
    labels = synthetic_labels(n)
    weak = {s: predictions_with_accuracy(labels, 0.62, 100 + s) for s in range(3)}
    ceiling = {s: predictions_with_accuracy(labels, 0.90, 200 + s) for s in range(3)}
    register_task(run, name, labels, weak, ceiling)
    return labels


@dataclass
class Scorer:
    run: RunFolder
    process: ScorerProcess
    tokens: dict[str, str]
    labels: np.ndarray

    def client(self, who: str) -> ScorerClient:
        return ScorerClient(self.process.url, self.tokens[who])

    def task(self) -> TaskRecord:
        database = Database(db_path(self.run))
        try:
            task = load_task(database, TASK)
            assert task is not None
            return task
        finally:
            database.close()

    def public_mask(self) -> np.ndarray:
        return self.task().public_mask

    def count(self, table: str = "submissions") -> int:
        with sqlite3.connect(db_path(self.run)) as conn:
            return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def launch(root: Path, settings: ScorerSettings) -> Iterator[Scorer]:
    run = RunFolder(root).ensure()
    labels = register_synthetic(run)
    tokens = issue_tokens(run, RESEARCHERS)
    process = start_scorer(run, settings=settings)
    try:
        yield Scorer(run, process, tokens, labels)
    finally:
        process.stop()


@pytest.fixture(scope="module")
def scorer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scorer]:
    """One real scorer process shared by a test module (generous rate limit)."""
    yield from launch(tmp_path_factory.mktemp("scorer-run"), ScorerSettings(rate_limit=10_000))


def submission(researcher: str, probs: np.ndarray | list[float], experiment_id: str, seed: int = 0,
               task: str = TASK) -> dict[str, object]:
    return {"task": task, "split": "test", "probs": [float(p) for p in probs], "researcher": researcher,
            "experiment_id": experiment_id, "commit": "0" * 40, "method": "methods/m.py", "seed": seed}
