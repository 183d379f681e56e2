"""All the checks for one finished experiment, posted to the scorer as flags through the admin API."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tools.scorer.checks.ablation import teacher_ablation
from tools.scorer.checks.flags import Flag
from tools.scorer.checks.pgr import check_seed_outlier
from tools.scorer.checks.runner import MethodRunner
from tools.scorer.checks.source_scan import scan_tree
from tools.scorer.client import ScorerClient
from tools.scorer.models import FlagOut


def check_experiment(
    admin: ScorerClient,
    submission_ids: Sequence[int],
    code_dir: Path | None = None,
    method: str | Path | None = None,
    runner: MethodRunner | None = None,
    ablation_seeds: Sequence[int] | None = None,
) -> list[FlagOut]:
    """Scan the committed code (``code_dir``), look for a seed far above the others and, given a runner,
    ablate the teacher; post every flag.

    The server already checked each submission's predictions and PGR when it arrived; those flags are
    returned too. Returns the experiment's active flags after the checks.
    """
    if not submission_ids:
        raise ValueError("check_experiment needs the experiment's submission ids")
    first = admin.submission(submission_ids[0])
    flags: list[Flag] = []
    if code_dir is not None:
        flags += scan_tree(code_dir)
    details = [admin.submission(i) for i in submission_ids]
    outlier = check_seed_outlier({d.seed: d.public_pgr for d in details})
    if outlier is not None:
        flags.append(outlier)
    if runner is not None and method is not None:
        seeds = list(ablation_seeds) if ablation_seeds is not None else [d.seed for d in details]
        known = {d.seed: d for d in details}

        def pgr_of(probs: np.ndarray) -> float:
            return admin.evaluate(first.task, probs.tolist()).overall_pgr

        with_teacher = [known[s].overall_pgr for s in seeds] if all(s in known for s in seeds) else None
        result = teacher_ablation(runner, pgr_of, method, seeds, with_teacher)
        if result.flag is not None:
            flags.append(result.flag)
    for flag in flags:
        admin.flag(first.submission_id, flag.name, flag.evidence, flag.detail)
    return admin.submission(first.submission_id).flags
