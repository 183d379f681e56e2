"""A campaign killed with SIGKILL mid-round and resumed ends with exactly what an uninterrupted run has:
the same forum posts, commits, experiments and scores, none lost and none doubled."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from tests.orchestrator.conftest import aar, start_aar
from tests.orchestrator.run_contents import run_contents

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]


def _ledger_steps(root: Path) -> int:
    path = root / "state" / "ledger.sqlite"
    if not path.exists():
        return 0
    conn = sqlite3.connect(path, timeout=30)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM steps").fetchone()[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


def _kill_mid_round(config: Path, root: Path, after_steps: int, timeout_s: float = 400) -> None:
    process = start_aar("campaign", "run", "--config", str(config), "--run-dir", str(root))
    deadline = time.monotonic() + timeout_s
    while _ledger_steps(root) < after_steps:
        assert process.poll() is None, f"the campaign ended before it could be killed:\n{process.stdout.read() if process.stdout else ''}"
        assert time.monotonic() < deadline, "the campaign made no progress"
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait()


def test_sigkill_mid_round_then_resume_loses_and_doubles_nothing(write_config, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = write_config()
    reference, crashed = tmp_path / "reference", tmp_path / "crashed"
    done = aar("campaign", "run", "--config", str(config), "--run-dir", str(reference))
    assert done.returncode == 0, done.stdout + done.stderr
    _kill_mid_round(config, crashed, after_steps=7)  # round 1, sessions half done, experiments in flight
    assert not (crashed / "report.md").exists()
    resumed = aar("campaign", "resume", str(crashed))
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    want, got = run_contents(reference), run_contents(crashed)
    for kind in ("posts", "experiments", "submissions"):
        assert max(got[kind].values(), default=1) == 1, f"doubled {kind}: {got[kind]}"
    assert set(got["posts"]) == set(want["posts"])
    assert set(got["experiments"]) == set(want["experiments"])
    assert got["commits"] == want["commits"]
    assert len(got["submissions"]) == len(want["submissions"]) > 0
    for step_id, row in want["experiment_rows"].items():
        other = got["experiment_rows"][step_id]
        assert other["state"] == row["state"] and row["state"] in ("done", "flagged"), (step_id, other, row)
        if (other["method"], other["seeds"]) == (row["method"], row["seeds"]):  # same method, same training
            assert [s["exact_pgr"] for s in other["per_seed"]] == [s["exact_pgr"] for s in row["per_seed"]]
    assert (crashed / "report.md").exists() and (crashed / "pgr_over_hours.png").exists()
    status = aar("campaign", "status", str(crashed), "--json")
    assert status.returncode == 0 and '"state": "finished"' in status.stdout
    assert os.path.getsize(crashed / "pgr_over_hours.png") > 1000
