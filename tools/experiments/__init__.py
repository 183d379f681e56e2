"""The experiment queue and executors: run a researcher's committed method in a fresh sandbox and score it."""

from tools.experiments.agent_tools import register_experiment_tools
from tools.experiments.executor import Executor
from tools.experiments.leaderboard import leaderboard_entries
from tools.experiments.local import LocalExecutor, LocalExecutorConfig, SeedPredictions
from tools.experiments.records import ExperimentJob, ExperimentOutcome, ExperimentRecord, SeedResult
from tools.experiments.service import ExperimentRefused, ExperimentService, queue_path

__all__ = [
    "ExperimentJob",
    "ExperimentOutcome",
    "ExperimentRecord",
    "ExperimentRefused",
    "ExperimentService",
    "Executor",
    "LocalExecutor",
    "LocalExecutorConfig",
    "SeedPredictions",
    "SeedResult",
    "leaderboard_entries",
    "queue_path",
    "register_experiment_tools",
]
