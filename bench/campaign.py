"""Campaign orchestration benchmarks (prints its numbers; targets in docs/orchestrator.md).

1. Overhead per researcher step with 9 researchers: the real campaign graph (LangGraph Send fan-out, researcher
   subgraphs, SqliteSaver checkpoints in WAL mode, ledger rows, budget checks, the agents' Researcher with its
   transcripts) driven by a provider and a tool that take no time, so every millisecond measured is orchestration.
2. Executor utilization while experiments are queued: the experiment service's slots kept busy by a queue of
   fixed-length jobs; utilization = busy slot-seconds / (slots x makespan).

    .venv/bin/python bench/campaign.py [--researchers 9] [--steps 10] [--rounds 2] [--jobs 24] [--slots 2]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from aar import RunFolder, configure_logging
from agents.providers.base import AssistantTurn, ModelRequest, Usage
from agents.researcher import Researcher, SessionLimits
from agents.seeds import list_seeds
from orchestrator.budgets import BudgetKeeper
from orchestrator.campaign import checkpointer, graph_config
from orchestrator.config import CampaignConfig
from orchestrator.ledger import EventLog, Ledger
from orchestrator.runtime import CampaignHost, CampaignServices
from orchestrator.supervisor import build_campaign_graph
from tools.codestore import CodeStore
from tools.experiments import ExperimentJob, ExperimentOutcome, ExperimentService, SeedResult
from tools.forum import Forum
from tools.registry import Tool, ToolArgs, ToolRegistry


class InstantProvider:
    """Answers every turn with one call to the no-op tool (no model time at all)."""

    name = "instant"

    def complete(self, request: ModelRequest) -> AssistantTurn:
        block = {"type": "tool_use", "id": f"t{request.meta.turn}", "name": "noop", "input": {}}
        return AssistantTurn(content=[block], stop_reason="tool_use", usage=Usage(10, 5), model="instant")


class TimedHost(CampaignHost):
    """The real host, with the time spent inside model and tool steps measured so it can be subtracted."""

    def __init__(self, services: CampaignServices, researchers: dict[str, Researcher]) -> None:
        super().__init__(services)
        self._researchers.update(researchers)
        self.steps: dict[str, list[tuple[float, float]]] = {name: [] for name in researchers}

    def record_step(self, name: str, round_index: int, state: Any, kind: str, seconds: float, cost: float) -> None:
        self.steps[name].append((time.perf_counter(), seconds))
        super().record_step(name, round_index, state, kind, seconds, cost)

    def overheads(self) -> list[float]:
        """Per researcher, the time between the ends of two consecutive steps minus the second step's own time:
        what the graph, the checkpoints, the ledger and the budget checks cost that researcher (with 8 others)."""
        values = []
        for steps in self.steps.values():
            values += [(b - a) - inner for (a, _), (b, inner) in zip(steps, steps[1:])]
        return values


def bench_overhead(researchers: int, steps: int, rounds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        run = RunFolder(Path(folder)).ensure()
        config = CampaignConfig(
            researchers=researchers, seed_directions=["interpretability"], tasks=["tiny_math"], rounds=rounds,
            session={"max_steps": steps},
        )
        ledger, events = Ledger(run), EventLog(run)
        experiments = ExperimentService(run, default_task="tiny_math")
        registry = ToolRegistry([Tool("noop", "does nothing", ToolArgs, lambda args, ctx: "ok")])
        services = CampaignServices(
            run=run, config=config, events=events, ledger=ledger, forum=Forum(run.forum), codestore=CodeStore(run),
            experiments=experiments, budgets=BudgetKeeper(config, ledger, experiments.queue, events), registry=registry,
        )
        seed = list_seeds()[0]
        people = {
            name: Researcher(name, InstantProvider(), registry, run, seed, limits=SessionLimits(max_steps=steps))
            for name in config.researcher_ids()
        }
        host = TimedHost(services, people)
        ledger.clock_start()
        started = time.perf_counter()
        with checkpointer(run) as saver:
            build_campaign_graph(host, saver).invoke({"round": 0}, graph_config(config))
        total = time.perf_counter() - started
        experiments.close()
        overheads = host.overheads()
        return {
            "steps": float(sum(len(s) for s in host.steps.values())),
            "total_s": total,
            "overhead_ms_per_step_median": 1000 * statistics.median(overheads),
            "overhead_ms_per_step_p90": 1000 * statistics.quantiles(overheads, n=10)[-1],
        }


class SleepExecutor:
    def __init__(self, slots: int, seconds: float) -> None:
        self._slots, self.seconds, self.busy = slots, seconds, 0.0

    @property
    def slots(self) -> int:
        return self._slots

    def run(self, job: ExperimentJob, slot: int, done: dict[int, SeedResult], record: Any) -> ExperimentOutcome:
        started = time.perf_counter()
        time.sleep(self.seconds)
        result = SeedResult(seed=job.seeds[0], pgr=0.0)
        record(result)
        self.busy += time.perf_counter() - started
        return ExperimentOutcome(per_seed=[result])

    def close(self) -> None:
        return None


def bench_utilization(jobs: int, slots: int, seconds: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        executor = SleepExecutor(slots, seconds)
        service = ExperimentService(RunFolder(Path(folder)).ensure(), executor, default_task="t")
        ids = [service.submit(f"r{i % 9}", "m.py", None, [i], f"step-{i}") for i in range(jobs)]
        started = time.perf_counter()
        service.start()
        for experiment_id in ids:
            service.wait(experiment_id, timeout_s=600)
        makespan = time.perf_counter() - started
        service.close()
        return {"jobs": float(jobs), "slots": float(slots), "makespan_s": makespan,
                "utilization": executor.busy / (slots * makespan)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--researchers", type=int, default=9)
    parser.add_argument("--steps", type=int, default=10, help="model turns per session")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=24)
    parser.add_argument("--slots", type=int, default=2)
    parser.add_argument("--job-seconds", type=float, default=0.5)
    args = parser.parse_args()
    configure_logging(level="ERROR")
    overhead = bench_overhead(args.researchers, args.steps, args.rounds)
    print(f"orchestration overhead: {args.researchers} researchers, {int(overhead['steps'])} steps in "
          f"{overhead['total_s']:.2f} s: median {overhead['overhead_ms_per_step_median']:.1f} ms/step, "
          f"p90 {overhead['overhead_ms_per_step_p90']:.1f} ms/step (target <= 20 ms median)")
    usage = bench_utilization(args.jobs, args.slots, args.job_seconds)
    print(f"executor utilization: {int(usage['jobs'])} queued jobs of {args.job_seconds} s on {int(usage['slots'])} slots, "
          f"makespan {usage['makespan_s']:.2f} s: {100 * usage['utilization']:.1f}% (target >= 90%)")


if __name__ == "__main__":
    main()
