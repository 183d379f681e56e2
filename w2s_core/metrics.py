"""PGR with fixed baselines, accuracy, and mean +- standard error over seeds."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def pgr(acc: float, weak_acc: float, ceiling_acc: float) -> float:
    """Performance gap recovered: (acc - weak) / (ceiling - weak), with FIXED weak and ceiling baselines.

    NaN when there is no gap (ceiling == weak, e.g. the untrained ``micro`` models).
    """
    gap = ceiling_acc - weak_acc
    if abs(gap) < 1e-12:
        return float("nan")
    return (acc - weak_acc) / gap


def accuracy(probs: np.ndarray, labels: np.ndarray) -> float:
    """Share of rows where P(label 1) > 0.5 matches the label."""
    if len(probs) != len(labels):
        raise ValueError(f"{len(probs)} predictions for {len(labels)} labels")
    return float(np.mean((np.asarray(probs) > 0.5).astype(np.int64) == np.asarray(labels)))


def mean_se(values: Sequence[float]) -> tuple[float, float]:
    """Mean and standard error of the mean (sample sd / sqrt(n); 0 for a single value)."""
    n = len(values)
    if n == 0:
        raise ValueError("mean_se of no values")
    mean = float(np.mean(values))
    if n == 1:
        return mean, 0.0
    return mean, float(np.std(values, ddof=1) / math.sqrt(n))
