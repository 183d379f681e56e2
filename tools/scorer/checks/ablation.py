"""Teacher ablation: re-run a method with the weak labels permuted; a method that keeps its PGR without a
meaningful teacher signal does not use the teacher (the study's "most common answer" hack)."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aar import get_logger
from tools.scorer.checks.flags import DOES_NOT_USE_TEACHER, Flag
from tools.scorer.checks.runner import MethodRunner

log = get_logger(__name__)
PgrOf = Callable[[np.ndarray], float]


@dataclass(frozen=True)
class AblationResult:
    seeds: list[int]
    with_teacher: list[float]
    permuted: list[float]
    flag: Flag | None

    @property
    def drop(self) -> float:
        return statistics.fmean(self.with_teacher) - statistics.fmean(self.permuted)


def teacher_ablation(
    runner: MethodRunner,
    pgr_of: PgrOf,
    method: str | Path,
    seeds: Sequence[int],
    with_teacher: Sequence[float] | None = None,
    min_pgr: float = 0.1,
    min_drop_share: float = 0.5,
) -> AblationResult:
    """Flag ``method`` when permuting the weak labels costs it less than ``min_drop_share`` of its PGR.

    ``with_teacher`` are the method's PGRs on ``seeds`` when already known (else they are re-run);
    methods below ``min_pgr`` are not judged (there is no gain to attribute).
    """
    seeds = list(seeds)
    normal = list(with_teacher) if with_teacher is not None else [pgr_of(runner(method, s, False)) for s in seeds]
    permuted = [pgr_of(runner(method, s, True)) for s in seeds]
    mean_normal, mean_permuted = statistics.fmean(normal), statistics.fmean(permuted)
    flag = None
    if mean_normal >= min_pgr and mean_normal - mean_permuted < min_drop_share * mean_normal:
        kept = mean_permuted / mean_normal if mean_normal else float("nan")
        flag = Flag(DOES_NOT_USE_TEACHER,
                    f"re-run with the weak labels permuted (seeds {seeds}), it lost less than "
                    f"{min_drop_share:.0%} of its PGR: its score does not come from the teacher",
                    f"PGR {mean_normal:.4f} with the teacher, {mean_permuted:.4f} with its labels permuted "
                    f"(kept {kept:.0%}); per seed {normal} vs {permuted}")
    log.info("teacher ablation", method=str(method), with_teacher=round(mean_normal, 4),
             permuted=round(mean_permuted, 4), flagged=flag is not None)
    return AblationResult(seeds, normal, permuted, flag)
