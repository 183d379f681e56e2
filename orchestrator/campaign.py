"""Run and resume a campaign: build the services, the graph with its SqliteSaver, and invoke it."""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import yaml
from langgraph.checkpoint.sqlite import SqliteSaver

from aar import ConfigError, RunFolder, configure_logging, write_atomic
from aar.sqlite import connect_sqlite
from orchestrator.config import CampaignConfig, load_campaign_config
from orchestrator.final import FinalPhase
from orchestrator.runtime import CampaignHost
from orchestrator.setup import close_services, open_services
from orchestrator.supervisor import build_campaign_graph

THREAD = {"configurable": {"thread_id": "campaign"}, "recursion_limit": 1_000_000}


def graph_config(config: CampaignConfig) -> dict[str, Any]:
    """One thread per researcher: LangGraph's default pool (cores + 4) would queue some researchers' sessions
    behind others that are blocked waiting for experiments."""
    return {**THREAD, "max_concurrency": config.researchers + 4}


def new_run_folder(config: CampaignConfig, run_dir: Path | None, runs_root: Path = Path("runs")) -> RunFolder:
    root = run_dir or runs_root / f"{config.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    if (root / "campaign.yaml").exists():
        raise ConfigError(f"--run-dir {root}: a campaign already lives there; use 'aar campaign resume {root}'")
    run = RunFolder(Path(root).resolve()).ensure()
    write_atomic(run.config, yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False))
    return run


@contextmanager
def checkpointer(run: RunFolder) -> Iterator[SqliteSaver]:
    """SqliteSaver on a WAL connection with a busy timeout (readers in other processes never block it)."""
    conn = connect_sqlite(run.checkpoints)
    try:
        yield SqliteSaver(conn)
    finally:
        conn.close()


def execute(run: RunFolder) -> dict[str, Any]:
    """Start or continue the campaign in ``run``; returns the graph's final state."""
    config = load_campaign_config(run.config)
    configure_logging(run.logs, level="WARNING")
    services = open_services(run, config)
    services.final_phase = FinalPhase(services)
    host = CampaignHost(services)
    try:
        with checkpointer(run) as saver:
            graph = build_campaign_graph(host, saver)
            thread = graph_config(config)
            existing = graph.get_state(thread)
            if existing.values.get("finished"):
                services.final_phase.write_outputs()
                return dict(existing.values)
            services.events.emit("campaign_resumed" if existing.values else "campaign_start", run=str(run.root))
            result: dict[str, Any] = graph.invoke(None if existing.values else {"round": 0}, thread)
            return result
    finally:
        close_services(services)
