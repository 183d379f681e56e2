"""bwrap as an ordinary user (an HPC login): user namespace, rlimits instead of cgroups. CI runs as root, so the
self-test is run in a child switched to ``nobody``; a private mount namespace makes a Python under /root
(pyenv as root) reachable for it without touching the host."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.bwrap, pytest.mark.slow]

NOBODY = 65534
_SELFTEST = (
    "import json; from tools.sandbox import BwrapSandboxConfig, sandbox_self_test; "
    "print(json.dumps(sandbox_self_test(BwrapSandboxConfig()).to_dict()))"
)


def _reachable(path: Path) -> bool:
    return all(parent.stat().st_mode & 0o001 for parent in [path, *path.parents])


def _script(repo: Path) -> str:
    lines = ["set -e"]
    prefixes = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()}
    if not all(_reachable(p) for p in prefixes) and all(p.is_relative_to("/root") for p in prefixes if not _reachable(p)):
        lines += ["saved=$(mktemp -d)", "mount --bind /root $saved", "mount -t tmpfs -o mode=755 tmpfs /root"]
        for prefix in prefixes:
            if prefix.is_relative_to("/root"):
                rel = prefix.relative_to("/root")
                lines += [f"mkdir -p /root/{rel}", f"mount --bind $saved/{rel} /root/{rel}"]
    lines += [
        f"cd {repo}",
        f"exec setpriv --reuid={NOBODY} --regid={NOBODY} --clear-groups env HOME=/tmp {sys.executable} -c '{_SELFTEST}'",
    ]
    return "\n".join(lines)


def test_self_test_passes_for_an_unprivileged_user(bwrap_available: None) -> None:
    if os.geteuid() != 0 or not (shutil.which("unshare") and shutil.which("setpriv")):
        pytest.skip("needs root (to switch to nobody), unshare and setpriv")
    repo = Path(__file__).resolve().parents[3]
    if not _reachable(repo):
        pytest.skip(f"{repo} is not reachable for other users")
    done = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "bash", "-c", _script(repo)],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    details = {c["name"]: c["detail"] for c in report["checks"]}
    assert report["ok"], report
    assert details["unprivileged"].startswith(f"uid {NOBODY}")
