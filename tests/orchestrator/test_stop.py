"""`aar campaign stop RUN` from another process: the campaign halts at the next step boundary, starts no new
round, and still writes its report; `status` reads the folder while the campaign runs."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.orchestrator.conftest import aar, start_aar


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_stop_request_halts_the_campaign_and_status_reads_it_live(write_config, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = write_config(rounds=5)
    root = tmp_path / "run"
    process = start_aar("campaign", "run", "--config", str(config), "--run-dir", str(root))
    deadline = time.monotonic() + 900
    while not (root / "events.jsonl").exists() or "round_start" not in (root / "events.jsonl").read_text():
        assert process.poll() is None and time.monotonic() < deadline, "the campaign never started a round"
        time.sleep(0.5)
    live = aar("campaign", "status", str(root), "--json")
    assert live.returncode == 0, live.stderr
    assert json.loads(live.stdout)["state"] == "running"
    assert aar("campaign", "stop", str(root)).returncode == 0
    assert process.wait(timeout=600) == 0
    events = [json.loads(line) for line in (root / "events.jsonl").read_text().splitlines()]
    stopping = [e for e in events if e["kind"] == "campaign_stopping"]
    assert stopping and stopping[0]["reason"] == "stop requested"
    assert max(e["round"] for e in events if e["kind"] == "round_start") < 5
    assert (root / "report.md").exists() and "stop requested" in (root / "report.md").read_text()
