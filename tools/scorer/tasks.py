"""Registering a task with the scorer: ground-truth test labels, the public/private split and its baselines."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from aar import ConfigError, RunFolder, get_logger
from tools.scorer.db import Database
from tools.scorer.scoring import PartBaselines, part_baselines, split_public_private

log = get_logger(__name__)


@dataclass(frozen=True)
class TaskRecord:
    name: str
    labels: np.ndarray
    public_mask: np.ndarray
    public: PartBaselines
    private: PartBaselines
    overall: PartBaselines
    baseline_seeds: list[int]

    @property
    def n_test(self) -> int:
        return len(self.labels)

    @property
    def n_public(self) -> int:
        return int(self.public_mask.sum())

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> TaskRecord:
        return cls(
            name=row["name"],
            labels=np.frombuffer(row["labels"], dtype=np.int8).copy(),
            public_mask=np.frombuffer(row["public_mask"], dtype=np.bool_).copy(),
            public=PartBaselines(row["weak_public"], row["ceiling_public"]),
            private=PartBaselines(row["weak_private"], row["ceiling_private"]),
            overall=PartBaselines(row["weak_all"], row["ceiling_all"]),
            baseline_seeds=json.loads(row["baseline_seeds"]),
        )


def _check_probs(kind: str, per_seed: Mapping[int, np.ndarray], n: int) -> dict[int, np.ndarray]:
    if not per_seed:
        raise ConfigError(f"{kind}: at least one baseline seed is needed")
    checked: dict[int, np.ndarray] = {}
    for seed, probs in per_seed.items():
        array = np.asarray(probs, dtype=np.float64)
        if array.shape != (n,):
            raise ConfigError(f"{kind}[seed {seed}]: expected {n} probabilities (one per test item), got shape {array.shape}")
        if not np.all(np.isfinite(array)) or array.min() < 0 or array.max() > 1:
            raise ConfigError(f"{kind}[seed {seed}]: probabilities must be finite and within [0, 1]")
        checked[int(seed)] = array
    return checked


def register_task(
    run: RunFolder,
    task: str,
    labels: np.ndarray | list[int],
    weak_test_probs: Mapping[int, np.ndarray],
    ceiling_test_probs: Mapping[int, np.ndarray],
    public_fraction: float = 0.5,
    split_seed: int = 0,
) -> TaskRecord:
    """Store the test labels and baselines of ``task`` in the scorer's database (trusted code only).

    Registering again with the same labels and split refreshes the baselines; changing the labels of a task
    that already has submissions is refused, because every stored score would silently change meaning.
    """
    label_array = np.asarray(labels)
    if label_array.ndim != 1 or len(label_array) < 2 or not np.isin(label_array, (0, 1)).all():
        raise ConfigError(f"task {task!r}: labels must be a non-empty list of 0/1 values")
    label_array = label_array.astype(np.int8)
    weak = _check_probs("weak_test_probs", weak_test_probs, len(label_array))
    ceiling = _check_probs("ceiling_test_probs", ceiling_test_probs, len(label_array))
    try:
        mask = split_public_private(label_array, public_fraction, split_seed)
    except ValueError as error:
        raise ConfigError(f"task {task!r}: {error}") from None
    everything = np.ones(len(label_array), dtype=bool)
    public = part_baselines(label_array, mask, weak, ceiling)
    private = part_baselines(label_array, ~mask, weak, ceiling)
    overall = part_baselines(label_array, everything, weak, ceiling)
    for part, values in (("public", public), ("private", private)):
        if abs(values.ceiling - values.weak) < 1e-9:
            raise ConfigError(f"task {task!r}: weak and ceiling accuracy are equal on the {part} part "
                              f"({values.weak:.4f}), so PGR is undefined there")
    seeds = sorted(set(weak) | set(ceiling))
    row = (
        task, len(label_array), label_array.tobytes(), mask.tobytes(), public_fraction, split_seed, json.dumps(seeds),
        public.weak, public.ceiling, private.weak, private.ceiling, overall.weak, overall.ceiling, time.time(),
    )

    def store(conn: sqlite3.Connection) -> None:
        old = conn.execute("SELECT labels, public_mask FROM tasks WHERE name = ?", (task,)).fetchone()
        if old is not None and (old["labels"], old["public_mask"]) != (row[2], row[3]):
            used = conn.execute("SELECT COUNT(*) FROM submissions WHERE task = ?", (task,)).fetchone()[0]
            if used:
                raise ConfigError(f"task {task!r} is already registered with other labels and has {used} submissions")
        conn.execute("INSERT OR REPLACE INTO tasks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)

    database = Database.for_run(run)
    try:
        database.write(store)
    finally:
        database.close()
    log.info("scorer task registered", task=task, n_test=len(label_array), n_public=int(mask.sum()),
             weak_public=round(public.weak, 4), ceiling_public=round(public.ceiling, 4))
    return TaskRecord(task, label_array, mask, public, private, overall, seeds)


def load_task(database: Database, name: str) -> TaskRecord | None:
    rows = database.query("SELECT * FROM tasks WHERE name = ?", (name,))
    return TaskRecord.from_row(rows[0]) if rows else None


def task_names(database: Database) -> list[str]:
    return [row["name"] for row in database.query("SELECT name FROM tasks ORDER BY name")]
