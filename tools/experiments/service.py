"""ExperimentService: submit / status / wait over the durable queue, with one worker thread per executor slot."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Callable, Sequence

from aar import RunFolder, get_logger
from tools.experiments.executor import Executor
from tools.experiments.queue import ExperimentQueue
from tools.experiments.records import TERMINAL_STATES, ExperimentJob, ExperimentOutcome, ExperimentRecord

log = get_logger(__name__)

# Returns a reason to refuse a new experiment for this researcher (a budget reached), or None to admit it.
AdmissionGate = Callable[[str], "str | None"]


class ExperimentRefused(RuntimeError):
    """A new experiment was not queued (budget reached, campaign stopping); the message says why."""


def queue_path(run: RunFolder) -> Path:
    return run.experiments / "experiments.sqlite"


class ExperimentService:
    def __init__(
        self,
        run: RunFolder,
        executor: Executor | None = None,
        gate: AdmissionGate | None = None,
        default_task: str = "",
        default_seeds: tuple[int, ...] = (0,),
        allowed_tasks: frozenset[str] = frozenset(),
    ) -> None:
        self.run = run
        self.default_task = default_task
        self.default_seeds = tuple(default_seeds)
        self.allowed_tasks = allowed_tasks
        self.queue = ExperimentQueue(queue_path(run))
        self.executor = executor
        self.gate = gate
        self._wake = threading.Condition()
        self._stopping = threading.Event()
        self._workers: list[threading.Thread] = []
        self._busy = 0
        self._busy_lock = threading.Lock()

    # -- the public surface (contracts.md) -----------------------------------------------------------
    def submit(
        self,
        researcher: str,
        method_path: str,
        task: str | None,
        seeds: Sequence[int] | None,
        step_id: str,
        commit: str | None = None,
    ) -> str:
        """Queue an experiment and return its id at once; the same step id returns the same experiment.

        ``task`` and ``seeds`` default to the campaign's research task and seeds.
        """
        task = task or self.default_task
        seeds = list(seeds) if seeds else list(self.default_seeds)
        existing = self._by_step(step_id)
        if existing is not None:
            return existing
        if self.gate is not None:
            reason = self.gate(researcher)
            if reason:
                raise ExperimentRefused(reason)
        experiment_id, created = self.queue.add(researcher, method_path, commit, task, seeds, step_id)
        if created:
            log.info("experiment_queued", experiment_id=experiment_id, researcher=researcher, task=task, seeds=seeds)
        with self._wake:
            self._wake.notify_all()
        return experiment_id

    def status(self, experiment_id: str) -> ExperimentRecord:
        record = self.queue.get(experiment_id)
        if record is None:
            raise KeyError(f"no experiment {experiment_id!r}")
        return record

    def wait(self, experiment_id: str, timeout_s: float | None = None) -> ExperimentRecord:
        """Block until the experiment finishes or ``timeout_s`` passes; returns its record either way."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while True:
            record = self.status(experiment_id)
            if record.state in TERMINAL_STATES:
                return record
            if deadline is not None and time.monotonic() >= deadline:
                return record
            with self._wake:
                self._wake.wait(timeout=0.2 if deadline is None else max(0.0, min(0.2, deadline - time.monotonic())))

    def records(self, researcher: str | None = None) -> list[ExperimentRecord]:
        return self.queue.all(researcher)

    def idle(self) -> bool:
        return self.queue.count_active() == 0

    @property
    def busy_slots(self) -> int:
        return self._busy

    # -- workers -----------------------------------------------------------------------------------
    def start(self) -> None:
        """Start one worker per slot; experiments left running by a crash are queued again first."""
        if self.executor is None or self._workers:
            return
        requeued = self.queue.requeue_interrupted()
        if requeued:
            log.info("experiments_requeued_after_restart", count=requeued)
        self._stopping.clear()
        for slot in range(self.executor.slots):
            worker = threading.Thread(target=self._work, args=(slot,), name=f"experiment-slot-{slot}", daemon=True)
            worker.start()
            self._workers.append(worker)

    def stop(self, timeout_s: float = 60.0) -> None:
        self._stopping.set()
        with self._wake:
            self._wake.notify_all()
        for worker in self._workers:
            worker.join(timeout=timeout_s)
        self._workers.clear()
        if self.executor is not None:
            self.executor.close()

    def close(self) -> None:
        self.stop()
        self.queue.close()

    def _work(self, slot: int) -> None:
        assert self.executor is not None
        while not self._stopping.is_set():
            record = self.queue.claim_next()
            if record is None:
                with self._wake:
                    self._wake.wait(timeout=0.2)
                continue
            with self._busy_lock:
                self._busy += 1
            try:
                outcome = self._run_one(record, slot)
            finally:
                with self._busy_lock:
                    self._busy -= 1
            self.queue.finish(record.experiment_id, outcome)
            log.info("experiment_finished", experiment_id=record.experiment_id, flags=outcome.flags, error=outcome.error)
            with self._wake:
                self._wake.notify_all()

    def _run_one(self, record: ExperimentRecord, slot: int) -> ExperimentOutcome:
        assert self.executor is not None
        job = ExperimentJob(
            record.experiment_id, record.researcher, record.method_path, record.commit, record.task, record.seeds
        )
        done = {r.seed: r for r in record.per_seed}
        try:
            return self.executor.run(job, slot, done, lambda result: self.queue.record_seed(job.experiment_id, result))
        except Exception as error:  # an executor bug must fail one experiment, never the campaign
            log.exception("experiment_crashed", experiment_id=job.experiment_id)
            return ExperimentOutcome(per_seed=list(done.values()), error=f"{type(error).__name__}: {error}")

    def _by_step(self, step_id: str) -> str | None:
        return self.queue.find_by_step(step_id)
