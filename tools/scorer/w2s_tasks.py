"""Registering a w2s_core task with the scorer: its test labels and weak/ceiling baselines from the pipeline."""

from __future__ import annotations

from aar import RunFolder, get_logger
from tools.scorer.tasks import TaskRecord, register_task

log = get_logger(__name__)


def register_from_w2s(
    run: RunFolder,
    task: str,
    seeds: list[int] | None = None,
    size: str = "small",
    device: str = "auto",
    public_fraction: float = 0.5,
    split_seed: int = 0,
) -> TaskRecord:
    """Compute (or load from the w2s cache) the task's baselines over ``seeds`` and register them."""
    from w2s_core import Pipeline, PipelineConfig

    pipeline = Pipeline(PipelineConfig(task=task, size=size, device=device))  # type: ignore[arg-type]
    baselines = pipeline.baselines(list(seeds or [0, 1, 2]))
    log.info("w2s baselines for the scorer", task=task, weak_acc=baselines.weak_acc, ceiling_acc=baselines.ceiling_acc)
    return register_task(run, task, pipeline.labels("test"), baselines.weak_test_probs, baselines.ceiling_test_probs,
                         public_fraction=public_fraction, split_seed=split_seed)
