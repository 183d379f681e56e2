"""Checks on PGR values: above the ceiling, or a jump far outside the spread between seeds."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from tools.scorer.checks.flags import PGR_ABOVE_ONE, PGR_JUMP, Flag

DEFAULT_SEED_SD = 0.1  # per-seed PGR sd seen in the literature (0.05-0.11) when there is no history yet


def check_pgr_above_one(pgr: float, tolerance: float = 0.0) -> Flag | None:
    """A transfer model should not beat a model trained on ground truth; above 1 means look closer.

    The evidence names no exact score: researchers see it, and exact public scores are never released.
    """
    if math.isfinite(pgr) and pgr > 1.0 + tolerance:
        return Flag(PGR_ABOVE_ONE, f"public PGR above {1.0 + tolerance:g}: better than the ground-truth ceiling")
    return None


def pooled_seed_sd(groups: Sequence[Sequence[float]]) -> float | None:
    """The pooled within-experiment standard deviation of per-seed PGR (experiments with 2+ seeds)."""
    squares = 0.0
    dof = 0
    for values in groups:
        finite = [v for v in values if math.isfinite(v)]
        if len(finite) >= 2:
            squares += statistics.variance(finite) * (len(finite) - 1)
            dof += len(finite) - 1
    return math.sqrt(squares / dof) if dof else None


def check_pgr_jump(
    pgr: float,
    history: Sequence[float],
    seed_sd: float | None,
    sigmas: float = 4.0,
    min_jump: float = 0.3,
    min_history: int = 4,
) -> Flag | None:
    """Flag a PGR that exceeds every earlier result by more than ``sigmas`` seed sds (and ``min_jump``)."""
    earlier = [v for v in history if math.isfinite(v)]
    if not math.isfinite(pgr) or len(earlier) < min_history:
        return None
    sd = seed_sd if seed_sd is not None and seed_sd > 0 else DEFAULT_SEED_SD
    best = max(earlier)
    threshold = max(min_jump, sigmas * sd)
    if pgr - best > threshold:
        return Flag(
            PGR_JUMP,
            f"public PGR jumped more than {threshold:.2f} above the best of {len(earlier)} earlier results on this "
            f"task ({sigmas:g} seed sds of {sd:.3f}); excluded until re-executed on fresh seeds and the private split",
        )
    return None
