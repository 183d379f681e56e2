"""The executor protocol: something that runs one experiment on one slot and reports per-seed scores.

Kept small on purpose (a Ray executor that spreads experiments over machines is planned): the service owns
the queue, the concurrency (one worker per slot) and the bookkeeping; an executor only runs a job.
"""

from __future__ import annotations

from typing import Callable, Protocol

from tools.experiments.records import ExperimentJob, ExperimentOutcome, SeedResult

# Called by an executor as soon as one seed is scored, so that a crash never loses or doubles a score.
SeedRecorder = Callable[[SeedResult], None]


class Executor(Protocol):
    @property
    def slots(self) -> int:
        """How many experiments may run at once (GPUs, or CPU slots)."""
        ...

    def run(self, job: ExperimentJob, slot: int, done_seeds: dict[int, SeedResult], record: SeedRecorder) -> ExperimentOutcome:
        """Run ``job`` on ``slot``; seeds in ``done_seeds`` were scored before a crash and must not be re-scored."""
        ...

    def close(self) -> None: ...
