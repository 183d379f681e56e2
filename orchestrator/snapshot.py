"""A read-only view of a run folder, built from its files alone, so ``status``, ``leaderboard``, ``report`` and
``plot`` work from another process while a campaign writes the folder (SQLite in WAL mode, JSON lines)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aar import ConfigError, RunFolder
from orchestrator.config import CampaignConfig, load_campaign_config
from orchestrator.ledger import EventLog, Ledger, Spend
from tools.experiments import ExperimentRecord, leaderboard_entries
from tools.experiments.queue import ExperimentQueue
from tools.experiments.service import queue_path

HUMAN_BASELINE_PGR = 0.23


def open_run(path: Path) -> RunFolder:
    run = RunFolder(Path(path).resolve())
    if not run.config.is_file():
        raise ConfigError(f"{path}: not a campaign run folder (no {run.config.name})")
    return run


@dataclass
class Snapshot:
    run: RunFolder
    config: CampaignConfig
    records: list[ExperimentRecord]
    spend: dict[str, Spend]
    wall_clock_seconds: float
    events: list[dict[str, Any]]
    timelines: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    final: dict[str, Any] | None = None

    @property
    def state(self) -> str:
        kinds = [e["kind"] for e in self.events]
        if "campaign_end" in kinds or self.final is not None:
            return "finished"
        if self.run.stop_request.exists():
            return "stopping"
        return "running" if kinds else "starting"

    @property
    def round(self) -> int:
        rounds = [e["round"] for e in self.events if e["kind"] == "round_start"]
        return max(rounds, default=0)

    def leaderboard(self, limit: int | None = None) -> list[dict[str, Any]]:
        return leaderboard_entries(self.records, limit, task=self.config.tasks[0], exact=True)

    @property
    def api_dollars(self) -> float:
        return sum(s.api_dollars for s in self.spend.values())

    @property
    def research_hours(self) -> float:
        return sum(s.research_seconds for s in self.spend.values()) / 3600.0

    @property
    def compute_hours(self) -> float:
        return sum(r.compute_seconds for r in self.records) / 3600.0

    def to_json(self) -> dict[str, Any]:
        best = self.leaderboard(1)
        return {
            "run": str(self.run.root),
            "name": self.config.name,
            "state": self.state,
            "round": self.round,
            "rounds": self.config.rounds,
            "researchers": self.config.researcher_ids(),
            "best_pgr": best[0]["pgr"] if best else None,
            "experiments": {
                state: sum(1 for r in self.records if r.state == state)
                for state in ("queued", "running", "done", "failed", "flagged")
            },
            "spend": {
                "api_dollars": round(self.api_dollars, 4),
                "research_hours": round(self.research_hours, 4),
                "wall_clock_hours": round(self.wall_clock_seconds / 3600.0, 4),
                "compute_hours": round(self.compute_hours, 4),
            },
            "per_researcher": {
                name: {
                    "api_dollars": round(self.spend.get(name, Spend()).api_dollars, 4),
                    "steps": self.spend.get(name, Spend()).steps,
                    "experiments": sum(1 for r in self.records if r.researcher == name),
                    "best_pgr": max((e["pgr"] for e in self.leaderboard() if e["researcher"] == name and not e["flags"]), default=None),
                }
                for name in self.config.researcher_ids()
            },
            "budget_events": [e for e in self.events if e["kind"] == "budget_reached"],
        }


def take_snapshot(run: RunFolder, with_timelines: bool = False) -> Snapshot:
    config = load_campaign_config(run.config)
    queue = ExperimentQueue(queue_path(run))
    ledger = Ledger(run)
    try:
        records = queue.all()
        spend = ledger.spend_by_researcher()
        timelines = {name: ledger.research_timeline(name) for name in config.researcher_ids()} if with_timelines else {}
        wall = ledger.wall_clock_seconds()
    finally:
        queue.close()
        ledger.close()
    final_file = run.root / "final.json"
    final = json.loads(final_file.read_text(encoding="utf-8")) if final_file.exists() else None
    return Snapshot(run, config, records, spend, wall, EventLog(run).read(), timelines, final)
