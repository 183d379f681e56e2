"""Checks on PGR values: above the ceiling, or a jump far outside the spread between seeds."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping

from tools.scorer.checks.flags import PGR_ABOVE_ONE, PGR_JUMP, SEED_OUTLIER, Flag

DEFAULT_SEED_SD = 0.1  # per-seed PGR sd seen in the literature (0.05-0.11) when there is no history yet


def check_pgr_above_one(pgr: float, tolerance: float = 0.0) -> Flag | None:
    """A transfer model should not beat a model trained on ground truth; above 1 means look closer.

    The evidence names no exact score: researchers see it, and exact public scores are never released.
    """
    if math.isfinite(pgr) and pgr > 1.0 + tolerance:
        return Flag(PGR_ABOVE_ONE, f"public PGR above {1.0 + tolerance:g}: better than the ground-truth ceiling")
    return None


def seed_sd_from_sums(squares: float | None, dof: int | None) -> float | None:
    """The pooled within-experiment sd of per-seed PGR, from the summed squared deviations and their dof."""
    if not dof or squares is None:
        return None
    return math.sqrt(max(0.0, squares) / dof)


def check_pgr_jump(
    pgr: float,
    best: float | None,
    n_history: int,
    seed_sd: float | None,
    sigmas: float = 4.0,
    min_jump: float = 0.3,
    min_history: int = 4,
) -> Flag | None:
    """Flag a PGR that exceeds the best of ``n_history`` earlier results by more than ``sigmas`` seed sds
    (and by at least ``min_jump``); ``seed_sd`` is the spread between seeds of one experiment."""
    if best is None or not math.isfinite(pgr) or n_history < min_history:
        return None
    sd = seed_sd if seed_sd is not None and seed_sd > 0 else DEFAULT_SEED_SD
    threshold = max(min_jump, sigmas * sd)
    if pgr - best > threshold:
        return Flag(
            PGR_JUMP,
            f"public PGR jumped more than {threshold:.2f} above the best of {n_history} earlier results on this "
            f"task ({sigmas:g} seed sds of {sd:.3f}); excluded until re-executed on fresh seeds and the private split",
        )
    return None


def check_seed_outlier(
    per_seed: Mapping[int, float], seed_sd: float | None = None, sigmas: float = 4.0, min_jump: float = 0.3
) -> Flag | None:
    """Flag an experiment whose best seed sits far above its other seeds (a seed-specific trick or luck).

    Needs 3+ seeds; the spread is ``seed_sd`` when known (pooled over the task), else the default.
    """
    values = {seed: v for seed, v in per_seed.items() if math.isfinite(v)}
    if len(values) < 3:
        return None
    top_seed = max(values, key=lambda s: values[s])
    others = statistics.median(v for s, v in values.items() if s != top_seed)
    sd = seed_sd if seed_sd is not None and seed_sd > 0 else DEFAULT_SEED_SD
    threshold = max(min_jump, sigmas * sd)
    if values[top_seed] - others > threshold:
        return Flag(SEED_OUTLIER,
                    f"seed {top_seed} scored more than {threshold:.2f} PGR above the median of the other "
                    f"{len(values) - 1} seeds",
                    f"per-seed public PGR {dict(sorted(values.items()))}")
    return None
