"""The sandbox protocol and the part of running a command every backend shares.

A backend starts a command (wrapped in coreutils ``timeout`` inside the sandbox) and hands back a
``StartedCommand``; ``run_capped`` reads its output into a head+tail buffer, watches the workspace size and
kills from outside when the inner timeout did not end it (a process that left its process group, a stuck
stream) or when the workspace grows past its quota.
"""

from __future__ import annotations

import os
import shlex
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from aar import get_logger
from tools.sandbox.config import ExecResult, SandboxLimits, SandboxMounts
from tools.sandbox.output import HeadTailBuffer

log = get_logger(__name__)

_POLL_S = 0.25
_QUOTA_EVERY_S = 1.0
# After the outer kill, how long the output stream may take to close before we stop reading it.
_DRAIN_AFTER_KILL_S = 10.0


class SandboxError(RuntimeError):
    """A sandbox could not be set up or used (no engine, no image, a mount missing)."""


class Sandbox(Protocol):
    """One isolated place to run a researcher's commands; ``exec`` never raises for what the command does."""

    name: str
    mounts: SandboxMounts

    def exec(self, command: str, timeout_s: float, cwd: str = "/workspace") -> ExecResult: ...

    def close(self) -> None: ...


class StartedCommand(Protocol):
    def chunks(self) -> Iterator[bytes]: ...

    def exit_code(self) -> int: ...

    def kill(self) -> None: ...


def inner_command(command: str, timeout_s: float, kill_grace_s: float) -> list[str]:
    """argv that runs ``command`` under bash with coreutils ``timeout`` (TERM, then KILL after the grace)."""
    return ["timeout", "-k", f"{kill_grace_s:g}", f"{timeout_s:g}", "bash", "-c", command]


def shell_line(argv: list[str]) -> str:
    return " ".join(shlex.quote(part) for part in argv)


def disk_usage(root: Path) -> int:
    """Bytes of disk used under ``root`` (allocated blocks; symlinks not followed)."""
    total = 0
    stack = [root]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            total += st.st_blocks * 512
            if entry.is_dir(follow_symlinks=False):
                stack.append(Path(entry.path))
    return total


def run_capped(
    start: StartedCommand, timeout_s: float, limits: SandboxLimits, workspace: Path, started_at: float
) -> ExecResult:
    """Drain ``start``'s output under the limits and build the result."""
    buffer = HeadTailBuffer(limits.output_limit_bytes)
    failure: list[BaseException] = []

    def read() -> None:
        try:
            for chunk in start.chunks():
                buffer.feed(chunk)
        except Exception as exc:  # noqa: BLE001 - a broken stream ends the command, it is reported below
            failure.append(exc)

    reader = threading.Thread(target=read, name="sandbox-output", daemon=True)
    reader.start()
    notes: list[str] = []
    deadline = started_at + timeout_s + limits.kill_grace_s + 1.0
    quota = limits.workspace_quota_mb * 1024 * 1024
    next_quota_check = started_at
    killed = overran = False
    while reader.is_alive() and not killed:
        reader.join(_POLL_S)
        now = time.monotonic()
        if not reader.is_alive():
            break
        if now >= next_quota_check:
            next_quota_check = now + _QUOTA_EVERY_S
            used = disk_usage(workspace)
            if used > quota:
                notes.append(
                    f"workspace quota exceeded ({used // 2**20} MiB > {limits.workspace_quota_mb} MiB): killed"
                )
                killed = _kill(start)
        if now >= deadline and not killed:
            notes.append(f"did not stop {limits.kill_grace_s:g}s after its timeout: killed from outside")
            killed = overran = _kill(start)
    if killed:
        reader.join(_DRAIN_AFTER_KILL_S)
    seconds = time.monotonic() - started_at
    timed_out = overran or seconds >= timeout_s
    if timed_out:
        notes.insert(0, f"timed out after {timeout_s:g}s")
    if failure:
        notes.append(f"output stream broke: {failure[0]}")
    if buffer.truncated:
        notes.append(f"output capped at {limits.output_limit_bytes} bytes (head and tail kept)")
    exit_code = start.exit_code()
    if exit_code < 0:  # killed by a signal (subprocess convention): report it as a shell would
        exit_code = 128 - exit_code
    if killed and exit_code == 0:
        exit_code = 137
    return ExecResult(
        exit_code=exit_code,
        output=buffer.text(notes),
        timed_out=timed_out,
        truncated=buffer.truncated,
        seconds=seconds,
    )


def _kill(start: StartedCommand) -> bool:
    try:
        start.kill()
    except Exception as exc:  # noqa: BLE001 - keep going: the result still says what happened
        log.warning("sandbox_kill_failed", error=str(exc))
    return True
