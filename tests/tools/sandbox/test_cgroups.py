"""bwrap's cgroups: limits written, and cgroups of owners that died are cleaned up (live ones are kept)."""

from __future__ import annotations

import os

import pytest

from tools.sandbox.cgroups import cgroup_name, create_cgroup, remove_stale_cgroups


@pytest.fixture()
def cgroup_or_skip():
    made = create_cgroup(cgroup_name("test-cg"), memory_mb=128, pids_limit=20, cpus=0.5)
    if made is None:
        pytest.skip("cgroups are not writable here (not root)")
    yield made
    made.remove()


def test_limits_are_written(cgroup_or_skip) -> None:
    values = {}
    for folder in cgroup_or_skip.dirs:
        for key in ("pids.max", "memory.limit_in_bytes", "memory.max", "cpu.cfs_quota_us", "cpu.max"):
            if (folder / key).exists():
                values[key] = (folder / key).read_text().split()[0]
    assert values.get("pids.max") == "20"
    assert str(128 * 2**20) in (values.get("memory.limit_in_bytes"), values.get("memory.max"))
    assert "50000" in (values.get("cpu.cfs_quota_us"), values.get("cpu.max"))


def test_stale_cgroups_of_dead_owners_are_removed(cgroup_or_skip) -> None:
    dead = [folder.parent / f"stale-{2**22 + 12345}-1" for folder in cgroup_or_skip.dirs]
    for folder in dead:
        folder.mkdir()
    remove_stale_cgroups()
    assert not any(folder.exists() for folder in dead)
    assert all(folder.exists() for folder in cgroup_or_skip.dirs)  # ours: the owner (this pid) is alive
    assert str(os.getpid()) in cgroup_or_skip.dirs[0].name
