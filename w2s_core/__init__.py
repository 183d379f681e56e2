"""The weak-to-strong training core: tasks, models, the weak/ceiling/transfer pipeline, methods and PGR."""

from w2s_core.bundle import MethodOutput, run_method_on_bundle
from w2s_core.bundled import tiny_chat, tiny_math
from w2s_core.methods import MethodContext, builtin_methods, get_builtin, load_method
from w2s_core.metrics import accuracy, mean_se, pgr
from w2s_core.pipeline import Baselines, Pipeline, PipelineConfig, StageResult
from w2s_core.pretrain import ModelPair, pretrain_models
from w2s_core.runtime import cache_root, select_device
from w2s_core.tasks import Example, Task, get_task, list_tasks, load_task_folder, register_task, strip_labels
from w2s_core.training import TrainSettings

register_task("tiny_math", tiny_math)
register_task("tiny_chat", tiny_chat)

__all__ = [
    "Baselines", "Example", "MethodContext", "MethodOutput", "ModelPair", "Pipeline", "PipelineConfig", "StageResult",
    "Task", "TrainSettings", "accuracy", "builtin_methods", "cache_root", "get_builtin", "get_task", "list_tasks",
    "load_method", "load_task_folder", "mean_se", "pgr", "pretrain_models", "register_task", "run_method_on_bundle",
    "select_device", "strip_labels",
]
