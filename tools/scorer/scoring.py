"""Accuracy and PGR on parts of the test split, the public/private division, and the Ladder release rule."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np


def hard_predictions(probs: np.ndarray) -> np.ndarray:
    """P(label 1) > 0.5 -> class 1 (a tie counts as class 0, as everywhere in aar)."""
    return (np.asarray(probs, dtype=np.float64) > 0.5).astype(np.int8)


def accuracy(probs: np.ndarray, labels: np.ndarray) -> float:
    if len(labels) == 0:
        return float("nan")
    return float(np.mean(hard_predictions(probs) == np.asarray(labels)))


def pgr(acc: float, weak_acc: float, ceiling_acc: float) -> float:
    """(acc - weak) / (ceiling - weak); undefined (nan) when the baselines leave no gap."""
    gap = ceiling_acc - weak_acc
    if not math.isfinite(gap) or abs(gap) < 1e-12:
        return float("nan")
    return (acc - weak_acc) / gap


def split_public_private(labels: np.ndarray, public_fraction: float, split_seed: int) -> np.ndarray:
    """A boolean mask of the public part, stratified by label so both parts keep the class balance."""
    if not 0.0 < public_fraction < 1.0:
        raise ValueError(f"public_fraction must be strictly between 0 and 1, got {public_fraction}")
    labels = np.asarray(labels)
    rng = np.random.default_rng(split_seed)
    mask = np.zeros(len(labels), dtype=bool)
    for value in np.unique(labels):
        members = np.flatnonzero(labels == value)
        rng.shuffle(members)
        mask[members[: int(round(len(members) * public_fraction))]] = True
    if mask.all() or not mask.any():
        raise ValueError(f"the test split ({len(labels)} items) is too small to divide into public and private parts")
    return mask


@dataclass(frozen=True)
class PartBaselines:
    """Mean weak and ceiling accuracy over the baseline seeds, on one part of the test split."""

    weak: float
    ceiling: float

    def pgr(self, acc: float) -> float:
        return pgr(acc, self.weak, self.ceiling)


def part_baselines(
    labels: np.ndarray, mask: np.ndarray, weak: Mapping[int, np.ndarray], ceiling: Mapping[int, np.ndarray]
) -> PartBaselines:
    def mean_acc(per_seed: Mapping[int, np.ndarray]) -> float:
        return float(np.mean([accuracy(np.asarray(p)[mask], labels[mask]) for p in per_seed.values()]))

    return PartBaselines(weak=mean_acc(weak), ceiling=mean_acc(ceiling))


def one_flip_pgr(n_public: int, baselines: PartBaselines) -> float:
    """How far a single changed prediction moves the public PGR."""
    gap = abs(baselines.ceiling - baselines.weak)
    return float("inf") if gap < 1e-12 or n_public == 0 else 1.0 / (n_public * gap)


@dataclass(frozen=True)
class LadderRule:
    """Ladder (Blum & Hardt 2015): release a score only when it beats the best released one by a margin.

    The margin is never smaller than 1.5 single-flip steps, so flipping one prediction and resubmitting can
    never produce a release; released values are rounded down to ``precision``.
    """

    precision: float
    margin: float

    def effective_margin(self, n_public: int, baselines: PartBaselines) -> float:
        return max(self.margin, 1.5 * one_flip_pgr(n_public, baselines))

    def is_candidate(self, score: float, best: float | None, n_public: int, baselines: PartBaselines) -> bool:
        """Whether ``score`` beats ``best`` by the margin (the first score always does).

        ``best`` is the exact score behind the researcher's highest Ladder event (comparing with the rounded
        value would let a single flip cross the margin when it sits just above a rounding step).
        """
        if not math.isfinite(score):
            return False
        return best is None or score >= best + self.effective_margin(n_public, baselines)

    def rounded(self, score: float) -> float:
        """``score`` rounded down to the release precision."""
        return round(math.floor(score / self.precision + 1e-9) * self.precision, 10)

    def release(self, score: float, best: float | None, n_public: int, baselines: PartBaselines) -> float | None:
        """The value to release for ``score``, or None when it is not a new best by the margin."""
        return self.rounded(score) if self.is_candidate(score, best, n_public, baselines) else None
