"""A cgroup per bwrap sandbox (memory, pids, cpu) when this process may create one (root, or a delegated tree).

cgroup v1 (a folder per controller) and v2 (one unified folder) are both handled. Without write access
``create_cgroup`` returns None and the bwrap backend falls back to per-process rlimits (see docs/sandbox.md).
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from aar import get_logger

log = get_logger(__name__)

CGROUP_ROOT = Path("/sys/fs/cgroup")
_PARENT = "aar"


@dataclass(frozen=True)
class Cgroup:
    dirs: tuple[Path, ...]  # one per v1 controller, or the single v2 folder

    def attach(self, pid: int) -> None:
        for folder in self.dirs:
            (folder / "cgroup.procs").write_text(str(pid))

    def pids(self) -> set[int]:
        found: set[int] = set()
        for folder in self.dirs:
            try:
                found |= {int(x) for x in (folder / "cgroup.procs").read_text().split()}
            except OSError:
                continue
        return found

    def kill_all(self) -> None:
        for _ in range(20):
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.05)

    def remove(self) -> None:
        self.kill_all()
        for folder in self.dirs:
            for _ in range(20):
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.05)


def _write(path: Path, value: str) -> None:
    path.write_text(value)


def _v1(name: str, memory_mb: int, pids_limit: int, cpus: float) -> Cgroup:
    dirs = []
    settings = {
        "memory": {"memory.limit_in_bytes": str(memory_mb * 2**20)},
        "pids": {"pids.max": str(pids_limit)},
        "cpu": {"cpu.cfs_period_us": "100000", "cpu.cfs_quota_us": str(int(cpus * 100000))},
    }
    for controller, values in settings.items():
        folder = CGROUP_ROOT / controller / _PARENT / name
        folder.mkdir(parents=True, exist_ok=True)
        for key, value in values.items():
            _write(folder / key, value)
        swap = folder / "memory.memsw.limit_in_bytes"
        if swap.exists():
            _write(swap, str(memory_mb * 2**20))
        dirs.append(folder)
    return Cgroup(tuple(dirs))


def _v2(name: str, memory_mb: int, pids_limit: int, cpus: float) -> Cgroup:
    parent = CGROUP_ROOT / _PARENT
    parent.mkdir(exist_ok=True)
    _write(CGROUP_ROOT / "cgroup.subtree_control", "+memory +pids +cpu")
    _write(parent / "cgroup.subtree_control", "+memory +pids +cpu")
    folder = parent / name
    folder.mkdir(exist_ok=True)
    _write(folder / "memory.max", str(memory_mb * 2**20))
    _write(folder / "memory.swap.max", "0")
    _write(folder / "pids.max", str(pids_limit))
    _write(folder / "cpu.max", f"{int(cpus * 100000)} 100000")
    return Cgroup((folder,))


def cgroup_name(name: str) -> str:
    """Unique, and carrying the owner's pid so that a crashed owner's cgroups can be found and removed."""
    return f"{name}-{os.getpid()}-{time.monotonic_ns()}"


def _owner_alive(folder: Path) -> bool:
    pid = folder.name.rsplit("-", 2)[-2] if folder.name.count("-") >= 2 else ""
    return not pid.isdigit() or Path(f"/proc/{pid}").exists()


def remove_stale_cgroups() -> None:
    """Remove the (empty) cgroups left by sandbox owners that died without closing them."""
    parents = [CGROUP_ROOT / _PARENT] + [CGROUP_ROOT / c / _PARENT for c in ("memory", "pids", "cpu")]
    for parent in parents:
        if not parent.is_dir():
            continue
        for folder in parent.iterdir():
            if folder.is_dir() and not _owner_alive(folder):
                Cgroup((folder,)).remove()


def create_cgroup(name: str, memory_mb: int, pids_limit: int, cpus: float) -> Cgroup | None:
    """A fresh cgroup with these limits, or None when cgroups cannot be written here."""
    unified = (CGROUP_ROOT / "cgroup.controllers").exists()
    try:
        remove_stale_cgroups()
    except OSError as exc:
        log.info("sandbox_stale_cgroups_kept", reason=str(exc))
    try:
        return (_v2 if unified else _v1)(name, memory_mb, pids_limit, cpus)
    except OSError as exc:
        log.info("sandbox_cgroup_unavailable", reason=str(exc))
        return None
