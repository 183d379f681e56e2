"""Budgets stop spending: at the per-researcher experiment limit nothing new starts and an event says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.orchestrator.conftest import aar
from tests.orchestrator.run_contents import run_contents


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_spending_stops_at_the_experiment_limit(write_config, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = write_config(rounds=3, budgets={"per_researcher": {"experiments": 1}})
    root = tmp_path / "run"
    result = aar("campaign", "run", "--config", str(config), "--run-dir", str(root))
    assert result.returncode == 0, result.stdout + result.stderr
    contents = run_contents(root)
    per_researcher = [row["researcher"] for row in contents["experiment_rows"].values()]
    assert sorted(per_researcher) == ["r1", "r2"]  # one each, never a second
    events = [json.loads(line) for line in (root / "events.jsonl").read_text().splitlines()]
    reached = {e["scope"] for e in events if e["kind"] == "budget_reached"}
    assert reached == {"r1", "r2"}
    rounds = [e["round"] for e in events if e["kind"] == "round_start"]
    assert max(rounds) < 3  # the supervisor started no round once every researcher was out of budget
    stop = [e for e in events if e["kind"] == "campaign_stopping"]
    assert stop and "budget" in stop[0]["reason"]
