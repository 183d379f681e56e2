"""The exec driver shared by the backends, with a scripted command: outer kill, quota kill, exit codes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

from tools.sandbox.base import run_capped
from tools.sandbox.config import SandboxLimits


class ScriptedCommand:
    """Prints ``lines`` then hangs until killed (a process that escaped its group and holds the output)."""

    def __init__(self, lines: list[bytes], hang: bool, exit_code: int = 0) -> None:
        self.lines, self.hang, self.code = lines, hang, exit_code
        self.killed = threading.Event()

    def chunks(self) -> Iterator[bytes]:
        yield from self.lines
        while self.hang and not self.killed.wait(0.05):
            pass

    def exit_code(self) -> int:
        return -9 if self.killed.is_set() else self.code

    def kill(self) -> None:
        self.killed.set()


LIMITS = SandboxLimits(kill_grace_s=0.5, workspace_quota_mb=1, output_limit_bytes=1000)


def test_a_command_that_outlives_its_timeout_is_killed_from_outside(tmp_path: Path) -> None:
    command = ScriptedCommand([b"started\n"], hang=True)
    result = run_capped(command, 0.5, LIMITS, tmp_path, time.monotonic())
    assert command.killed.is_set() and result.timed_out
    assert result.exit_code == 137  # -9 from the signal, reported as a shell would
    assert result.output.startswith("started") and "killed from outside" in result.output
    assert result.seconds < 5


def test_a_workspace_over_quota_is_killed(tmp_path: Path) -> None:
    (tmp_path / "fill").write_bytes(b"\1" * (2 * 2**20))
    command = ScriptedCommand([], hang=True)
    result = run_capped(command, 30, LIMITS, tmp_path, time.monotonic())
    assert command.killed.is_set() and not result.timed_out
    assert "workspace quota exceeded (2 MiB > 1 MiB)" in result.output


def test_a_quick_command_keeps_its_exit_code_and_output(tmp_path: Path) -> None:
    result = run_capped(ScriptedCommand([b"a\n", b"b\n"], hang=False, exit_code=3), 30, LIMITS, tmp_path, time.monotonic())
    assert (result.exit_code, result.output, result.timed_out, result.truncated) == (3, "a\nb\n", False, False)
