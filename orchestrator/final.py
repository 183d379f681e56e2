"""The end of a campaign: drain the queue, re-run the top methods on the held-out tasks (the study's
generalization table), re-run the top entries on fresh seeds (verification), then write the report and plot.
Every experiment here has a fixed step id, so a resumed final phase queues nothing twice."""

from __future__ import annotations

import json
import time
from typing import Any

from aar import get_logger, write_atomic
from orchestrator.plot import write_plot
from orchestrator.report import write_report
from orchestrator.runtime import CampaignServices
from tools.experiments import leaderboard_entries

log = get_logger(__name__)
VERIFY_SEED_OFFSET = 1000
DRAIN_TIMEOUT_S = 6 * 3600.0


def final_path(services: CampaignServices) -> Any:
    return services.run.root / "final.json"


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
            result["verification"] = self._verify(top[: self.s.config.final.verify_top])
        write_atomic(final_path(self.s), json.dumps(result, indent=2))
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
        for entry in leaderboard_entries(self.s.experiments.records(), task=self.s.config.tasks[0]):
            key = (entry["method"], entry["commit"])
            if entry["flags"] or key in seen:
                continue
            seen.add(key)
            top.append(entry)
        return top

    def _submit_and_wait(self, entry: dict[str, Any], task: str, seeds: list[int], step_id: str) -> dict[str, Any]:
        experiment_id = self.s.experiments.submit(
            entry["researcher"], entry["method"], task, seeds, step_id, commit=entry["commit"]
        )
        return self.s.experiments.wait(experiment_id, DRAIN_TIMEOUT_S).to_tool_json()

    def _heldout(self, top: list[dict[str, Any]]) -> list[dict[str, Any]]:
        rows = []
        for rank, entry in enumerate(top, start=1):
            row: dict[str, Any] = {
                "rank": rank, "researcher": entry["researcher"], "method": entry["method"],
                "experiment_id": entry["experiment_id"], "research_pgr": entry["pgr"], "tasks": {},
            }
            for task in self.s.config.held_out_tasks:
                outcome = self._submit_and_wait(
                    entry, task, list(self.s.config.final.heldout_seeds), f"heldout:{entry['experiment_id']}:{task}"
                )
                row["tasks"][task] = {"pgr": outcome["pgr_mean"], "se": outcome["pgr_se"], "flags": outcome["flags"],
                                      "error": outcome["error"]}
            rows.append(row)
            self.s.events.emit("heldout_done", experiment_id=entry["experiment_id"], tasks=row["tasks"])
        return rows

    def _verify(self, top: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Fresh seeds: a method whose score does not hold up is flagged on the original experiment."""
        rows = []
        for entry in top:
            seeds = [seed + VERIFY_SEED_OFFSET for seed in entry["seeds"]]
            outcome = self._submit_and_wait(entry, self.s.config.tasks[0], seeds, f"verify:{entry['experiment_id']}")
            verified = outcome["pgr_mean"]
            tolerance = 0.1 + 3 * (entry.get("pgr_se") or 0.0)
            passed = verified is not None and entry["pgr"] is not None and verified >= entry["pgr"] - tolerance
            if not passed:
                self.s.experiments.queue.add_flags(entry["experiment_id"], ["verification_failed"])
            rows.append({"experiment_id": entry["experiment_id"], "researcher": entry["researcher"],
                         "method": entry["method"], "pgr": entry["pgr"], "verified_pgr": verified, "passed": passed})
        return rows
