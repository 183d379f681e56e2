"""Workspace access for the sandbox uid: ACLs grant it rw without changing the owner (git cares about owners)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.sandbox.access import grant_access, sandbox_identity
from tools.sandbox.config import SANDBOX_UID

root_only = pytest.mark.skipif(os.geteuid() != 0, reason="switching to another uid needs root")


@pytest.fixture()
def traversable(tmp_path: Path) -> Iterator[Path]:
    """A folder every uid can reach (pytest's own tmp folders are 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="aar-access-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def _as_sandbox_user(command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["setpriv", f"--reuid={SANDBOX_UID}", f"--regid={SANDBOX_UID}", "--clear-groups", "bash", "-c", command],
        capture_output=True,
        text=True,
        timeout=20,
    )


def test_identity_is_the_owner_unless_root(tmp_path: Path) -> None:
    expected = (SANDBOX_UID, SANDBOX_UID) if os.geteuid() == 0 else (os.getuid(), os.getgid())
    assert sandbox_identity(tmp_path) == expected


@root_only
def test_grant_lets_the_sandbox_uid_edit_existing_and_later_files(traversable: Path) -> None:
    workspace = traversable / "ws"
    (workspace / "sub").mkdir(parents=True)
    (workspace / "sub" / "method.py").write_text("old\n")
    assert _as_sandbox_user(f"echo new >> {workspace}/sub/method.py").returncode != 0
    grant_access(workspace, SANDBOX_UID, writable=True)
    (workspace / "sub" / "copied.py").write_text("written by the host after the grant\n")
    done = _as_sandbox_user(f"echo new >> {workspace}/sub/method.py && echo x >> {workspace}/sub/copied.py")
    assert done.returncode == 0, done.stderr
    assert (workspace / "sub" / "method.py").read_text() == "old\nnew\n"
    assert workspace.stat().st_uid == 0  # the owner is unchanged


@root_only
def test_grant_does_not_reach_outside_the_workspace(traversable: Path) -> None:
    workspace, outside = traversable / "ws", traversable / "outside.txt"
    workspace.mkdir()
    outside.write_text("secret\n")
    (workspace / "link").symlink_to(outside)
    grant_access(workspace, SANDBOX_UID, writable=True)
    assert _as_sandbox_user(f"echo x >> {outside}").returncode != 0


@root_only
def test_read_grant_makes_private_files_readable_not_writable(traversable: Path) -> None:
    data = traversable / "bundle"
    data.mkdir()
    (data / "bundle.json").write_text("{}")
    (data / "bundle.json").chmod(0o600)  # what an atomic write through mkstemp leaves
    grant_access(data, SANDBOX_UID, writable=False)
    assert _as_sandbox_user(f"cat {data}/bundle.json").stdout == "{}"
    assert _as_sandbox_user(f"echo x >> {data}/bundle.json").returncode != 0
    assert _as_sandbox_user(f"touch {data}/new").returncode != 0
