"""The scorer's hack checks for a finished experiment: the static source scan of its commit and, per config,
the teacher ablation (re-run with the weak labels permuted, in fresh sandboxes); flags are posted to the scorer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tools.experiments.local import SandboxMethodRunner
from tools.experiments.records import ExperimentJob, SeedResult


class ScorerChecks:
    def __init__(self, admin: Any, teacher_ablation: bool) -> None:
        self.admin = admin
        self.teacher_ablation = teacher_ablation

    def check(self, job: ExperimentJob, code_dir: Path, results: list[SeedResult], runner: SandboxMethodRunner) -> list[str]:
        from tools.scorer.checks import check_experiment

        ids = [int(r.submission_id) for r in results if r.submission_id]
        if not ids:
            return []
        method_file = code_dir / job.method_path
        method: str | Path = method_file if method_file.is_file() else job.method_path
        flags = check_experiment(
            self.admin, ids, code_dir=code_dir, method=method,
            runner=runner if self.teacher_ablation else None, ablation_seeds=job.seeds,
        )
        return sorted({flag.name for flag in flags if not flag.cleared})
