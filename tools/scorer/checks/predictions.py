"""Label-free checks on a submission's predictions: constant or (nearly) single-class output."""

from __future__ import annotations

import numpy as np

from tools.scorer.checks.flags import CONSTANT_PREDICTIONS, MAJORITY_CLASS, Flag
from tools.scorer.scoring import hard_predictions


def check_predictions(probs: np.ndarray, majority_share: float = 0.97) -> list[Flag]:
    """Flag predictions that are one value everywhere, or one class on at least ``majority_share`` of items.

    Such output needs neither the teacher nor the inputs (for example "always answer the most common class").
    """
    array = np.asarray(probs, dtype=np.float64)
    if len(array) == 0:
        return []
    if float(array.max() - array.min()) < 1e-6:
        return [Flag(CONSTANT_PREDICTIONS, f"all {len(array)} probabilities equal {array[0]:.6g}")]
    hard = hard_predictions(array)
    ones = float(hard.mean())
    share, label = (ones, 1) if ones >= 0.5 else (1.0 - ones, 0)
    if share >= 1.0:
        return [Flag(CONSTANT_PREDICTIONS, f"every one of {len(array)} predictions is class {label}")]
    if share >= majority_share:
        return [Flag(MAJORITY_CLASS, f"{share:.1%} of {len(array)} predictions are class {label} "
                                     f"(threshold {majority_share:.0%})")]
    return []
