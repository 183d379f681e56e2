"""Containment against the real engines: each hostile command is contained, the host and a second researcher's
sandbox keep working. Every test runs on Docker and on bubblewrap."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.tools.sandbox.conftest import BACKENDS, SMALL_LIMITS, SandboxFactory

pytestmark = pytest.mark.parametrize("backend", BACKENDS)

FORK_BOMB = "bomb() { bomb | bomb & }; bomb"
MEMORY_BOMB = "python -c 'b = [bytearray(2**24) for _ in range(200)]; print(\"allocated\")'"


def _host_and_neighbour_fine(neighbour) -> None:
    assert subprocess.run(["true"], timeout=10).returncode == 0
    result = neighbour.exec("echo alive", timeout_s=20)
    assert result.exit_code == 0 and "alive" in result.output


def _during(sandbox, command: str, timeout_s: float):
    """Run ``command`` in a thread; returns (thread, holder) with the result in holder[0] when done."""
    holder: list = []
    thread = threading.Thread(target=lambda: holder.append(sandbox.exec(command, timeout_s=timeout_s)))
    thread.start()
    return thread, holder


def test_no_network(backend: str, make_sandbox: SandboxFactory) -> None:
    box = make_sandbox(backend)
    connect = box.exec("python -c 'import socket; socket.create_connection((\"1.1.1.1\", 53), 3)'", timeout_s=20)
    lookup = box.exec("python -c 'import socket; socket.getaddrinfo(\"pypi.org\", 443)'", timeout_s=20)
    assert connect.exit_code != 0 and "Error" in connect.output
    assert lookup.exit_code != 0 and "gaierror" in lookup.output


def test_fork_bomb_is_contained(backend: str, make_sandbox: SandboxFactory) -> None:
    box, neighbour = make_sandbox(backend, "bomber"), make_sandbox(backend, "neighbour")
    thread, holder = _during(box, FORK_BOMB, timeout_s=4)
    time.sleep(1.5)
    _host_and_neighbour_fine(neighbour)
    thread.join(60)
    # It hit the process limit, and ended (Docker: the timeout; bwrap: its PID namespace dies with the command).
    assert holder and "Resource temporarily unavailable" in holder[0].output, holder[0]
    assert holder[0].seconds < 4 + SMALL_LIMITS["kill_grace_s"] + 15
    after = box.exec("echo recovered", timeout_s=20)
    assert after.exit_code == 0 and "recovered" in after.output, (holder[0].seconds, holder[0].timed_out, holder[0].exit_code)


def test_memory_bomb_is_killed(backend: str, make_sandbox: SandboxFactory) -> None:
    box, neighbour = make_sandbox(backend, "hog"), make_sandbox(backend, "neighbour")
    result = box.exec(MEMORY_BOMB, timeout_s=60)
    assert result.exit_code != 0 and "allocated" not in result.output
    _host_and_neighbour_fine(neighbour)
    assert box.exec("echo still-here", timeout_s=20).exit_code == 0


def test_one_huge_file_is_cut_at_the_file_limit(backend: str, make_sandbox: SandboxFactory) -> None:
    box = make_sandbox(backend)
    result = box.exec("head -c 200000000 /dev/zero > /workspace/big", timeout_s=30)
    assert result.exit_code != 0
    assert (box.mounts.workspace / "big").stat().st_size <= SMALL_LIMITS["max_file_mb"] * 2**20


def test_filling_the_workspace_with_many_files_is_stopped(backend: str, make_sandbox: SandboxFactory) -> None:
    box = make_sandbox(backend)
    fill = "i=0; while :; do head -c 4000000 /dev/zero > /workspace/f$i || exit 9; i=$((i+1)); done"
    result = box.exec(fill, timeout_s=60)
    assert "workspace quota exceeded" in result.output
    assert result.exit_code != 0 and not result.timed_out
    used = sum(p.stat().st_size for p in box.mounts.workspace.iterdir())
    # The watcher looks once a second: the overshoot is bounded by the write rate, not by the disk.
    assert used < 40 * SMALL_LIMITS["workspace_quota_mb"] * 2**20


def test_infinite_loop_times_out(backend: str, make_sandbox: SandboxFactory) -> None:
    box = make_sandbox(backend)
    result = box.exec("while :; do :; done", timeout_s=2)
    assert result.timed_out and result.exit_code != 0
    assert result.seconds < 2 + SMALL_LIMITS["kill_grace_s"] + 3
    assert "timed out after 2s" in result.output


def test_process_that_leaves_its_group_is_killed_from_outside(backend: str, make_sandbox: SandboxFactory) -> None:
    box = make_sandbox(backend)
    escape = "python -c 'import os, time; os.setsid(); time.sleep(300)' & wait"
    result = box.exec(escape, timeout_s=2)
    assert result.timed_out
    assert result.seconds < 2 + SMALL_LIMITS["kill_grace_s"] + 15
    assert box.exec("echo ok", timeout_s=20).exit_code == 0


def test_100_mb_of_output_is_capped(backend: str, make_sandbox: SandboxFactory) -> None:
    box = make_sandbox(backend)
    result = box.exec("echo FIRST; head -c 100000000 /dev/zero | tr '\\0' x; echo; echo LAST", timeout_s=120)
    assert result.exit_code == 0 and result.truncated
    assert result.output.startswith("FIRST") and "LAST" in result.output[-2000:]
    assert len(result.output) < SMALL_LIMITS["output_limit_bytes"] + 1000
    assert "output cut: " in result.output


def test_labels_and_scorer_files_are_unreadable(backend: str, make_sandbox: SandboxFactory, tmp_path: Path) -> None:
    public = tmp_path / "public"
    public.mkdir()
    (public / "test.jsonl").write_text('{"id": 0}\n')
    hidden = tmp_path / "scorer" / "labels.jsonl"
    hidden.parent.mkdir()
    hidden.write_text('{"id": 0, "label": 1}\n')
    box = make_sandbox(backend, data=public)
    assert "id" in box.exec("cat /data/test.jsonl", timeout_s=20).output
    for path in (hidden, hidden.parent, Path(__file__).parents[3] / "runs"):
        result = box.exec(f"cat {path} || ls {path}", timeout_s=20)
        assert result.exit_code != 0, path
    assert box.exec("echo x > /data/test.jsonl", timeout_s=20).exit_code != 0


def test_writes_outside_the_workspace_fail(backend: str, make_sandbox: SandboxFactory, tmp_path: Path) -> None:
    box = make_sandbox(backend)
    outside = tmp_path / "outside.txt"
    for target in ["/escape", "/etc/escape", "/usr/escape", "/workspace/../escape", str(outside)]:
        assert box.exec(f"echo x > {target}", timeout_s=20).exit_code != 0, target
    link = box.exec("ln -s / /workspace/root && echo x > /workspace/root/etc/escape", timeout_s=20)
    assert link.exit_code != 0
    assert not outside.exists()
    inside = box.exec("echo kept > /workspace/note && cat /workspace/note", timeout_s=20)
    assert inside.exit_code == 0 and (box.mounts.workspace / "note").read_text() == "kept\n"


def test_runs_unprivileged_without_docker_socket(backend: str, make_sandbox: SandboxFactory) -> None:
    box = make_sandbox(backend)
    result = box.exec("id -u; grep -E 'CapEff|NoNewPrivs' /proc/self/status; ls /var/run/docker.sock", timeout_s=20)
    lines = result.output.split()
    assert lines[0] != "0"
    assert "0000000000000000" in result.output and "NoNewPrivs:\t1" in result.output
    assert result.exit_code != 0  # the socket is absent
