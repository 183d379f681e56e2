"""What an experiment is, as stored in the queue and returned to researchers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ExperimentState = Literal["queued", "running", "done", "failed", "flagged"]
TERMINAL_STATES: frozenset[str] = frozenset({"done", "failed", "flagged"})


@dataclass
class SeedResult:
    """One seed's outcome: the scorer's verdict on that seed's predictions."""

    seed: int
    pgr: float | None  # what the scorer released to the researcher (its Ladder rule may withhold it)
    accuracy: float | None = None
    submission_id: str | None = None
    flags: list[str] = field(default_factory=list)
    # Trusted views only (report, plot, campaign CLI): the exact scores, never shown to researchers.
    exact_pgr: float | None = None
    private_pgr: float | None = None

    def public_view(self) -> dict[str, Any]:
        return {"seed": self.seed, "pgr": self.pgr, "submission_id": self.submission_id, "flags": list(self.flags)}


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

    def _values(self, exact: bool) -> list[float]:
        return [v for r in self.per_seed if (v := (r.exact_pgr if exact else r.pgr)) is not None]

    def mean(self, exact: bool = False) -> float | None:
        values = self._values(exact)
        return sum(values) / len(values) if values else None

    def se(self, exact: bool = False) -> float | None:
        values = self._values(exact)
        if len(values) < 2:
            return None
        mean = sum(values) / len(values)
        variance = sum((v - mean) ** 2 for v in values) / (len(values) - 1)
        return (variance / len(values)) ** 0.5

    @property
    def pgr_mean(self) -> float | None:
        return self.mean()

    @property
    def pgr_se(self) -> float | None:
        return self.se()

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
            "per_seed": [r.public_view() for r in self.per_seed],
            "flags": list(self.flags),
            "error": self.error,
        }
