"""``MethodRunner``: how a check re-runs a method (with or without the teacher's labels permuted).

The orchestrator passes a sandboxed runner; the default here runs w2s_core in this process on a public
bundle exported by ``Pipeline.export_public_bundle`` (the same label-free view a sandbox gets).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import numpy as np


class MethodRunner(Protocol):
    def __call__(self, method: str | Path, seed: int, permute_weak_labels: bool) -> np.ndarray:
        """P(label 1) for every test item of the task, from ``method`` trained on ``seed``'s weak labels."""
        ...


class InProcessRunner:
    """Runs methods with w2s_core in this process, from bundles cached under ``work_dir``."""

    def __init__(self, pipeline_config: Any, work_dir: Path, device: str = "auto") -> None:
        from w2s_core import Pipeline

        self.pipeline = Pipeline(pipeline_config)
        self.work_dir = Path(work_dir)
        self.device = device

    def bundle(self, seed: int, permute_weak_labels: bool) -> Path:
        folder = self.work_dir / f"bundle-seed{seed}{'-permuted' if permute_weak_labels else ''}"
        if not (folder / "bundle.json").exists():
            self.pipeline.export_public_bundle(seed, folder, permute_weak_labels=permute_weak_labels)
        return folder

    def __call__(self, method: str | Path, seed: int, permute_weak_labels: bool) -> np.ndarray:
        from w2s_core import run_method_on_bundle

        output = run_method_on_bundle(self.bundle(seed, permute_weak_labels), str(method), seed, device=self.device)
        return np.asarray(output.probs, dtype=np.float64)
