"""The scorer as its own process: endpoint file, restart with its data intact, client retries, token storage."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import threading
import time
from pathlib import Path

import httpx
import pytest

from aar import ConfigError, RunFolder
from tools.scorer import ScorerClient, ScorerSettings, issue_tokens, read_endpoint, start_scorer
from tools.scorer.db import db_path

from .conftest import predictions_with_accuracy, register_synthetic, submission


def test_serve_runs_apart_announces_itself_and_keeps_data_across_restarts(tmp_path: Path) -> None:
    run = RunFolder(tmp_path / "run").ensure()
    labels = register_synthetic(run)
    tokens = issue_tokens(run, ["alice"])
    first = start_scorer(run)
    try:
        endpoint = read_endpoint(run)
        assert endpoint == {"url": first.url, "pid": first.pid} and first.pid != os.getpid()
        assert stat.S_IMODE(os.stat(run.scorer_dir / "endpoint.json").st_mode) == 0o600
        out = ScorerClient(first.url, tokens["alice"]).submit(
            **submission("alice", predictions_with_accuracy(labels, 0.7, 1), "restart"))
    finally:
        assert first.stop() == 0
    assert read_endpoint(run) is None  # a stopped scorer leaves no stale endpoint

    port = int(first.url.rsplit(":", 1)[1])
    second = start_scorer(run, port=port)
    try:
        client = ScorerClient(second.url, tokens["alice"])
        replay = client.submit(**submission("alice", predictions_with_accuracy(labels, 0.7, 1), "restart"))
        assert replay.replayed and replay.submission_id == out.submission_id
    finally:
        second.stop()


def test_client_retries_connection_errors_until_the_server_is_back(tmp_path: Path) -> None:
    run = RunFolder(tmp_path / "run").ensure()
    register_synthetic(run)
    tokens = issue_tokens(run, ["alice"])
    process = start_scorer(run)
    url = process.url
    process.stop()
    restarted: list[object] = []

    def restart_soon() -> None:
        time.sleep(1.0)
        restarted.append(start_scorer(run, port=int(url.rsplit(":", 1)[1])))

    thread = threading.Thread(target=restart_soon)
    thread.start()
    try:
        client = ScorerClient(url, tokens["alice"], attempts=40)
        assert client.health()
    finally:
        thread.join()
        for p in restarted:
            p.stop()  # type: ignore[attr-defined]
    with pytest.raises(httpx.ConnectError):
        ScorerClient(url, tokens["alice"], attempts=2).health()


def test_tokens_are_hashed_in_the_database_and_plaintext_only_in_a_private_file(tmp_path: Path) -> None:
    run = RunFolder(tmp_path / "run").ensure()
    tokens = issue_tokens(run, ["alice", "bob"])
    assert set(tokens) == {"admin", "alice", "bob"} and len(set(tokens.values())) == 3
    assert stat.S_IMODE(os.stat(run.scorer_dir).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(run.scorer_dir / "tokens.json").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(db_path(run)).st_mode) == 0o600
    raw = db_path(run).read_bytes() + b"".join(p.read_bytes() for p in run.scorer_dir.glob("scorer.sqlite-*"))
    assert not any(token.encode() in raw for token in tokens.values())
    assert issue_tokens(run, ["alice", "carol"])["alice"] == tokens["alice"]  # idempotent, new names added
    assert json.loads((run.scorer_dir / "tokens.json").read_text())["carol"]
    with pytest.raises(ConfigError, match="admin"):
        issue_tokens(run, ["admin"])
    with pytest.raises(ConfigError, match="researcher name"):
        issue_tokens(run, ["../escape"])


def test_the_audit_log_is_append_only(tmp_path: Path) -> None:
    run = RunFolder(tmp_path / "run").ensure()
    register_synthetic(run)
    tokens = issue_tokens(run, ["alice"])
    with start_scorer(run, settings=ScorerSettings()) as process:
        ScorerClient(process.url, tokens["alice"]).leaderboard()
    with sqlite3.connect(db_path(run)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0] >= 2  # health probe + leaderboard
        for statement in ("UPDATE audit SET outcome = 'x'", "DELETE FROM audit"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(statement)


def test_a_scorer_that_cannot_start_says_why(tmp_path: Path) -> None:
    from tools.scorer import ScorerStartError

    run = RunFolder(tmp_path / "run").ensure()
    (run.scorer_dir / "settings.json").write_text('{"rate_limit": "many"}')
    with pytest.raises(ScorerStartError, match="rate_limit"):
        start_scorer(run)
    (run.scorer_dir / "settings.json").unlink()
    with start_scorer(run) as first:
        port = int(first.url.rsplit(":", 1)[1])
        other = RunFolder(tmp_path / "other").ensure()
        with pytest.raises(ScorerStartError, match=f"cannot listen on 127.0.0.1:{port}"):
            start_scorer(other, port=port)


def test_standalone_serve_registers_a_w2s_task_or_says_why_not(tmp_path: Path) -> None:
    """``serve --task`` computes baselines with w2s_core; a task without a weak/ceiling gap is a clear error."""
    import subprocess
    import sys

    from tools.scorer.db import Database
    from tools.scorer.tasks import load_task

    run = RunFolder(tmp_path / "run")
    command = [sys.executable, "-m", "tools.scorer", "serve", "--run", str(run.root), "--task", "tiny_math",
               "--size", "micro", "--baseline-seeds", "1"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        while process.poll() is None and read_endpoint(run) is None and time.monotonic() < deadline:
            time.sleep(0.2)
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            assert process.returncode == 2 and "PGR is undefined" in output, output
        else:
            database = Database(db_path(run))
            try:
                assert load_task(database, "tiny_math") is not None
            finally:
                database.close()
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(10)


def test_a_scorer_started_by_a_process_that_dies_stops_too(tmp_path: Path) -> None:
    """A campaign killed with -9 must not leave its scorer running."""
    import subprocess
    import sys

    run = RunFolder(tmp_path / "run").ensure()
    parent = subprocess.Popen(
        [sys.executable, "-c", "import time; from pathlib import Path; from aar import RunFolder; "
         "from tools.scorer import start_scorer; "
         f"p = start_scorer(RunFolder(Path({str(run.root)!r}))); print('PID', p.pid, flush=True); time.sleep(600)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child = next(int(line.split()[1]) for line in parent.stdout if line.startswith("PID "))
        os.kill(child, 0)  # running
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and Path(f"/proc/{child}").exists() and "Z" not in _state(child):
        time.sleep(0.2)
    assert not Path(f"/proc/{child}").exists() or "Z" in _state(child), "the orphaned scorer is still running"
    assert read_endpoint(run) is None


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"
