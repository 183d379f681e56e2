"""The weak-to-strong training core: tasks, models, the weak/ceiling/transfer pipeline, methods and PGR.

The public names are resolved lazily (PEP 562) so that ``import w2s_core`` — done by every ``aar`` command —
does not import torch and transformers, and so that a sandbox, which lacks the modules listed in
``SANDBOX_EXCLUDE``, can still import the parts a method needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aar.lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "MethodOutput": "w2s_core.bundle",
    "run_method_on_bundle": "w2s_core.bundle",
    "MethodContext": "w2s_core.methods",
    "builtin_methods": "w2s_core.methods",
    "get_builtin": "w2s_core.methods",
    "load_method": "w2s_core.methods",
    "accuracy": "w2s_core.metrics",
    "mean_se": "w2s_core.metrics",
    "pgr": "w2s_core.metrics",
    "Baselines": "w2s_core.pipeline",
    "Pipeline": "w2s_core.pipeline",
    "PipelineConfig": "w2s_core.pipeline",
    "StageResult": "w2s_core.pipeline",
    "ModelPair": "w2s_core.pretrain",
    "pretrain_models": "w2s_core.pretrain",
    "cache_root": "w2s_core.runtime",
    "select_device": "w2s_core.runtime",
    "Example": "w2s_core.tasks",
    "Task": "w2s_core.tasks",
    "get_task": "w2s_core.tasks",
    "list_tasks": "w2s_core.tasks",
    "load_task_folder": "w2s_core.tasks",
    "register_task": "w2s_core.tasks",
    "strip_labels": "w2s_core.tasks",
    "TrainSettings": "w2s_core.training",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:
    from w2s_core.bundle import MethodOutput, run_method_on_bundle
    from w2s_core.methods import MethodContext, builtin_methods, get_builtin, load_method
    from w2s_core.metrics import accuracy, mean_se, pgr
    from w2s_core.pipeline import Baselines, Pipeline, PipelineConfig, StageResult
    from w2s_core.pretrain import ModelPair, pretrain_models
    from w2s_core.runtime import cache_root, select_device
    from w2s_core.tasks import Example, Task, get_task, list_tasks, load_task_folder, register_task, strip_labels
    from w2s_core.training import TrainSettings
