"""The end of a campaign: drain the queue, re-run the top methods on the held-out tasks (the study's
generalization table), have the scorer verify the top entries on fresh seeds and its private split, then
write the report and plot. Held-out experiments have fixed step ids, so a resumed final phase queues nothing twice."""

from __future__ import annotations

import json
import time
from typing import Any

from aar import write_atomic
from orchestrator.plot import write_plot
from orchestrator.report import write_report
from orchestrator.runtime import CampaignServices
from tools.experiments import leaderboard_entries
from tools.experiments.local import SandboxMethodRunner

VERIFY_SEEDS = (1001, 1002, 1003)
DRAIN_TIMEOUT_S = 6 * 3600.0


class FinalPhase:
    def __init__(self, services: CampaignServices) -> None:
        self.s = services

    def __call__(self, stop_reason: str) -> None:
        self._drain()
        top = self._top_methods()
        result: dict[str, Any] = {"stop_reason": stop_reason, "heldout": [], "verification": []}
        if stop_reason != "stop requested":
            self.s.experiments.gate = None  # the final re-runs are part of the study, not new research
            result["heldout"] = self._heldout(top[: self.s.config.final.top_k])
            result["verification"] = self._verify()
        write_atomic(self.s.run.root / "final.json", json.dumps(result, indent=2))
        self.write_outputs()

    def write_outputs(self) -> None:
        write_report(self.s.run)
        write_plot(self.s.run)
        self.s.events.emit("report_written", report=str(self.s.run.report), plot=str(self.s.run.plot))

    def _drain(self) -> None:
        deadline = time.monotonic() + DRAIN_TIMEOUT_S
        while not self.s.experiments.idle() and time.monotonic() < deadline:
            time.sleep(0.5)

    def _top_methods(self) -> list[dict[str, Any]]:
        """Best unflagged experiment per distinct (method, commit) on the main research task."""
        seen: set[tuple[str, str | None]] = set()
        top = []
        for entry in leaderboard_entries(self.s.experiments.records(), task=self.s.config.tasks[0], exact=True):
            key = (entry["method"], entry["commit"])
            if entry["flags"] or key in seen:
                continue
            seen.add(key)
            top.append(entry)
        return top

    def _heldout(self, top: list[dict[str, Any]]) -> list[dict[str, Any]]:
        rows = []
        for rank, entry in enumerate(top, start=1):
            row: dict[str, Any] = {
                "rank": rank, "researcher": entry["researcher"], "method": entry["method"],
                "experiment_id": entry["experiment_id"], "research_pgr": entry["pgr"], "tasks": {},
            }
            for task in self.s.config.held_out_tasks:
                experiment_id = self.s.experiments.submit(
                    entry["researcher"], entry["method"], task, list(self.s.config.final.heldout_seeds),
                    f"heldout:{entry['experiment_id']}:{task}", commit=entry["commit"],
                )
                record = self.s.experiments.wait(experiment_id, DRAIN_TIMEOUT_S)
                row["tasks"][task] = {"pgr": record.mean(exact=True), "se": record.se(exact=True),
                                      "flags": record.flags, "error": record.error}
            rows.append(row)
            self.s.events.emit("heldout_done", experiment_id=entry["experiment_id"], tasks=row["tasks"])
        return rows

    def _verify(self) -> list[dict[str, Any]]:
        """The scorer's re-execution of its top entries (fresh seeds, private split), in fresh sandboxes."""
        from tools.scorer.checks import git_materializer, verify_top_entries

        if self.s.config.final.verify_top == 0:
            return []
        executor = self.s.experiments.executor
        work = self.s.run.experiments / "verification"
        work.mkdir(parents=True, exist_ok=True)

        def runner_for_task(task: str) -> SandboxMethodRunner:
            return SandboxMethodRunner(executor, task, work / "code", 0, f"verify-{task}")  # type: ignore[arg-type]

        results = verify_top_entries(
            self.s.admin, runner_for_task, git_materializer(self.s.run.code_repo, work / "commits"),
            task=self.s.config.tasks[0], top_k=self.s.config.final.verify_top, fresh_seeds=VERIFY_SEEDS,
        )
        for result in results:
            if not result.passed:
                self.s.experiments.queue.add_flags(result.experiment_id, ["verification_failed"])
        return [r.model_dump() for r in results]
