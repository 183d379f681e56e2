"""What an experiment is, as stored in the queue and returned to researchers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

ExperimentState = Literal["queued", "running", "done", "failed", "flagged"]
TERMINAL_STATES: frozenset[str] = frozenset({"done", "failed", "flagged"})


@dataclass
class SeedResult:
    """One seed's outcome: the scorer's verdict on that seed's predictions."""

    seed: int
    pgr: float | None
    accuracy: float | None = None
    submission_id: str | None = None
    flags: list[str] = field(default_factory=list)


@dataclass
class ExperimentJob:
    """What an executor needs to run one experiment (no secrets: tokens stay with the scoring sink)."""

    experiment_id: str
    researcher: str
    method_path: str
    commit: str | None
    task: str
    seeds: list[int]


@dataclass
class ExperimentOutcome:
    """What an executor hands back: per-seed results, flags raised by hack checks, or an error."""

    per_seed: list[SeedResult] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class ExperimentRecord:
    experiment_id: str
    step_id: str
    researcher: str
    method_path: str
    commit: str | None
    task: str
    seeds: list[int]
    state: ExperimentState
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None
    per_seed: list[SeedResult] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def compute_seconds(self) -> float:
        if self.started_at is None:
            return 0.0
        return max(0.0, (self.finished_at or self.started_at) - self.started_at)

    @property
    def pgr_mean(self) -> float | None:
        values = [r.pgr for r in self.per_seed if r.pgr is not None]
        return sum(values) / len(values) if values else None

    @property
    def pgr_se(self) -> float | None:
        values = [r.pgr for r in self.per_seed if r.pgr is not None]
        if len(values) < 2:
            return None
        mean = sum(values) / len(values)
        variance = sum((v - mean) ** 2 for v in values) / (len(values) - 1)
        return (variance / len(values)) ** 0.5

    def to_tool_json(self) -> dict[str, Any]:
        """The shape the experiment tools return (contracts.md: experiment_status)."""
        return {
            "experiment_id": self.experiment_id,
            "state": self.state,
            "task": self.task,
            "method": self.method_path,
            "commit": self.commit,
            "seeds": list(self.seeds),
            "pgr_mean": self.pgr_mean,
            "pgr_se": self.pgr_se,
            "per_seed": [asdict(r) for r in self.per_seed],
            "flags": list(self.flags),
            "error": self.error,
        }
