"""The experiment queue and service: idempotent submission, slots, waiting, restart after a crash, refusal."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from aar import RunFolder
from tools.experiments import ExperimentJob, ExperimentOutcome, ExperimentRefused, ExperimentService, SeedResult
from tools.experiments.queue import ExperimentQueue
from tools.experiments.service import queue_path


class CountingExecutor:
    """Runs each seed by sleeping; records which seeds ran and how many jobs overlapped."""

    def __init__(self, slots: int, seconds: float = 0.2) -> None:
        self._slots = slots
        self.seconds = seconds
        self.ran: list[tuple[str, int]] = []
        self.running = 0
        self.max_running = 0
        self._lock = threading.Lock()

    @property
    def slots(self) -> int:
        return self._slots

    def run(self, job: ExperimentJob, slot: int, done_seeds: dict[int, SeedResult], record) -> ExperimentOutcome:  # type: ignore[no-untyped-def]
        with self._lock:
            self.running += 1
            self.max_running = max(self.max_running, self.running)
        results = dict(done_seeds)
        for seed in job.seeds:
            if seed in results:
                continue
            time.sleep(self.seconds)
            results[seed] = SeedResult(seed=seed, pgr=0.1 * seed)
            record(results[seed])
            with self._lock:
                self.ran.append((job.experiment_id, seed))
        with self._lock:
            self.running -= 1
        return ExperimentOutcome(per_seed=[results[s] for s in job.seeds])

    def close(self) -> None:
        return None


def test_submit_is_idempotent_by_step_id(run_root: Path) -> None:
    service = ExperimentService(RunFolder(run_root).ensure(), default_task="tiny_math", default_seeds=(0, 1))
    first = service.submit("r1", "method.py", None, None, "r1:s1:t3:c0")
    again = service.submit("r1", "method.py", None, None, "r1:s1:t3:c0")
    other = service.submit("r1", "method.py", "tiny_math", [5], "r1:s1:t4:c0")
    assert first == again != other
    record = service.status(first)
    assert (record.state, record.task, record.seeds) == ("queued", "tiny_math", [0, 1])
    assert len(service.records()) == 2
    service.close()


def test_slots_run_experiments_concurrently_and_wait_returns_scores(run_root: Path) -> None:
    executor = CountingExecutor(slots=2)
    service = ExperimentService(RunFolder(run_root).ensure(), executor, default_task="t", default_seeds=(1, 2))
    service.start()
    ids = [service.submit("r1", "m.py", None, None, f"step-{i}") for i in range(4)]
    records = [service.wait(i, timeout_s=30) for i in ids]
    service.close()
    assert [r.state for r in records] == ["done"] * 4
    assert records[0].pgr_mean == pytest.approx(0.15) and records[0].pgr_se is not None
    assert executor.max_running == 2
    assert all(r.compute_seconds >= 0.35 for r in records)


def test_wait_times_out_with_the_current_state(run_root: Path) -> None:
    service = ExperimentService(RunFolder(run_root).ensure(), default_task="t")
    experiment_id = service.submit("r1", "m.py", None, None, "s")
    started = time.monotonic()
    assert service.wait(experiment_id, timeout_s=0.3).state == "queued"
    assert time.monotonic() - started < 2
    service.close()


def test_restart_requeues_interrupted_experiments_and_keeps_scored_seeds(run_root: Path) -> None:
    run = RunFolder(run_root).ensure()
    queue = ExperimentQueue(queue_path(run))
    experiment_id, _ = queue.add("r1", "m.py", None, "t", [0, 1, 2], "step")
    claimed = queue.claim_next()
    assert claimed is not None and claimed.state == "running"
    queue.record_seed(experiment_id, SeedResult(seed=0, pgr=0.5))  # then the process dies
    queue.close()
    executor = CountingExecutor(slots=1, seconds=0.05)
    service = ExperimentService(run, executor)
    service.start()
    record = service.wait(experiment_id, timeout_s=30)
    service.close()
    assert record.state == "done"
    assert [r.seed for r in record.per_seed] == [0, 1, 2] and record.per_seed[0].pgr == 0.5
    assert executor.ran == [(experiment_id, 1), (experiment_id, 2)]  # seed 0 was not scored twice


def test_the_gate_refuses_new_experiments_but_not_known_steps(run_root: Path) -> None:
    service = ExperimentService(RunFolder(run_root).ensure(), default_task="t")
    known = service.submit("r1", "m.py", None, None, "known")
    service.gate = lambda researcher: f"{researcher} budget reached: experiments 1 of 1"
    assert service.submit("r1", "m.py", None, None, "known") == known
    with pytest.raises(ExperimentRefused, match="experiments 1 of 1"):
        service.submit("r1", "m.py", None, None, "new")
    service.close()


def test_a_crashing_executor_fails_one_experiment_not_the_service(run_root: Path) -> None:
    class Broken(CountingExecutor):
        def run(self, job, slot, done_seeds, record):  # type: ignore[no-untyped-def]
            raise RuntimeError("boom")

    service = ExperimentService(RunFolder(run_root).ensure(), Broken(slots=1), default_task="t")
    service.start()
    record = service.wait(service.submit("r1", "m.py", None, None, "s"), timeout_s=30)
    service.close()
    assert record.state == "failed" and "boom" in (record.error or "")
