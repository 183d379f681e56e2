"""``sandbox_self_test``: prove from inside a real sandbox that its isolation and limits hold.

A campaign runs it at start and refuses to start when a check fails, naming it. The sandbox is opened with the
given config, except that the limits are set small (memory, pids, file size) so that proving them takes
seconds; the mechanism enforcing them is the same. Hidden files are canaries written outside the mounts,
plus the repository's ``runs/`` and the scorer package, plus any paths the caller names (a run's scorer folder).
"""

from __future__ import annotations

import json
import shlex
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tools.sandbox.base import Sandbox, SandboxError
from tools.sandbox.config import BwrapSandboxConfig, DockerSandboxConfig, SandboxMounts
from tools.sandbox.factory import open_sandbox
from tools.sandbox.pyenv import SOURCE_ROOT_INSIDE, package_dir

PROBE_MEMORY_MB = 256
PROBE_PIDS = 64
PROBE_FILE_MB = 8
SELFTEST_LABEL = "aar.selftest"


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str


@dataclass
class SelfTestReport:
    backend: str
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def failed(self) -> list[str]:
        return [c.name for c in self.checks if not c.ok]

    def to_dict(self) -> dict[str, object]:
        return {"backend": self.backend, "ok": self.ok, "failed": self.failed, "checks": [asdict(c) for c in self.checks]}


def _probe_config(config: DockerSandboxConfig | BwrapSandboxConfig) -> DockerSandboxConfig | BwrapSandboxConfig:
    small = {
        "memory_mb": min(config.memory_mb, PROBE_MEMORY_MB),
        "pids_limit": min(config.pids_limit, PROBE_PIDS),
        "max_file_mb": min(config.max_file_mb, PROBE_FILE_MB),
        "tmp_size_mb": min(config.tmp_size_mb, 64),
        "kill_grace_s": min(config.kill_grace_s, 2.0),
    }
    if isinstance(config, DockerSandboxConfig):
        small["labels"] = {**config.labels, SELFTEST_LABEL: "1"}
    return config.model_copy(update=small)


def _repo_secrets() -> list[Path]:
    root = package_dir("w2s_core").parent
    return [root / "runs", root / "tools" / "scorer", root / ".git"]


def _static_checks(sandbox: Sandbox, hidden: list[str], readonly: list[str]) -> list[CheckResult]:
    spec = json.dumps({"hidden": hidden, "readonly": readonly})
    result = sandbox.exec(f"python /workspace/.aar_probe.py {shlex.quote(spec)}", timeout_s=60)
    try:
        rows = json.loads(result.output.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return [CheckResult("probe", False, f"probe failed (exit {result.exit_code}): {result.output[-400:]}")]
    return [CheckResult(r["name"], bool(r["ok"]), r["detail"]) for r in rows]


def _memory_check(sandbox: Sandbox, memory_mb: int) -> CheckResult:
    chunks = (memory_mb + 256) // 16
    code = f"b=[bytearray(16*2**20) for _ in range({chunks})]; print('allocated', len(b)*16, 'MiB')"
    result = sandbox.exec(f"python -c {shlex.quote(code)}", timeout_s=60)
    ok = result.exit_code != 0 and "allocated" not in result.output
    return CheckResult("memory_limit", ok, f"{memory_mb + 256} MiB asked at {memory_mb} MiB: exit {result.exit_code}")


def _pids_check(sandbox: Sandbox, pids_limit: int) -> CheckResult:
    code = (
        "import os,time\nkids=[]\ntry:\n for i in range(%d):\n  pid=os.fork()\n  if pid==0:\n   time.sleep(30)\n"
        "   os._exit(0)\n  kids.append(pid)\nexcept OSError as e:\n print('fork refused after', len(kids))\n"
        "for k in kids: os.kill(k,9); os.waitpid(k,0)\n" % (pids_limit * 4)
    )
    result = sandbox.exec(f"python -c {shlex.quote(code)}", timeout_s=60)
    words = result.output.split("fork refused after")
    count = int(words[1].split()[0]) if len(words) > 1 else None
    ok = count is not None and count < pids_limit
    return CheckResult("pids_limit", ok, f"forks before refusal: {count} (limit {pids_limit})")


def _time_check(sandbox: Sandbox, grace_s: float) -> CheckResult:
    result = sandbox.exec("sleep 60", timeout_s=1)
    ok = result.timed_out and result.seconds < 1 + grace_s + 3
    return CheckResult("time_limit", ok, f"sleep 60 with a 1 s timeout ended after {result.seconds:.1f}s")


def _file_size_check(sandbox: Sandbox, max_file_mb: int) -> CheckResult:
    sandbox.exec(f"head -c {(max_file_mb + 4) * 2**20} /dev/zero > /workspace/.aar_big", timeout_s=30)
    result = sandbox.exec("stat -c %s /workspace/.aar_big", timeout_s=30)
    size = result.output.strip() or "?"
    ok = size.isdigit() and int(size) <= max_file_mb * 2**20
    sandbox.exec("rm -f /workspace/.aar_big", 10)
    return CheckResult("file_size_limit", ok, f"wrote {size} bytes with a {max_file_mb} MiB limit")


def _output_check(sandbox: Sandbox) -> CheckResult:
    result = sandbox.exec("head -c 5000000 /dev/zero | tr '\\0' x", timeout_s=30)
    ok = result.truncated and len(result.output) < 200_000
    return CheckResult("output_cap", ok, f"5 MB printed, {len(result.output)} chars kept, truncated={result.truncated}")


def sandbox_self_test(
    config: DockerSandboxConfig | BwrapSandboxConfig, hidden_paths: Sequence[Path] = ()
) -> SelfTestReport:
    """Open a sandbox with ``config`` (small limits) and run every check; never raises for a failed check."""
    report = SelfTestReport(backend=config.type)
    probe_cfg = _probe_config(config)
    with tempfile.TemporaryDirectory(prefix="aar-selftest-") as tmp:
        base = Path(tmp)
        workspace, data, hidden_dir = base / "workspace", base / "data", base / "hidden"
        for folder in (workspace, data, hidden_dir):
            folder.mkdir()
        (data / "test.jsonl").write_text('{"id": 0}\n')
        (hidden_dir / "labels.jsonl").write_text('{"id": 0, "label": 1}\n')
        (hidden_dir / "scorer.db").write_text("canary")
        shutil.copy(Path(__file__).with_name("probe.py"), workspace / ".aar_probe.py")
        hidden = [str(p) for p in [hidden_dir / "labels.jsonl", hidden_dir / "scorer.db", *_repo_secrets(), *hidden_paths]]
        readonly = ["/data", SOURCE_ROOT_INSIDE + "/w2s_core"]
        try:
            sandbox = open_sandbox(probe_cfg, SandboxMounts(workspace=workspace, data=data), "selftest")
        except SandboxError as exc:
            report.checks.append(CheckResult("sandbox_starts", False, str(exc)))
            return report
        try:
            report.checks.append(CheckResult("sandbox_starts", True, f"{config.type} sandbox up"))
            report.checks += _static_checks(sandbox, hidden, readonly)
            report.checks.append(_memory_check(sandbox, probe_cfg.memory_mb))
            report.checks.append(_pids_check(sandbox, probe_cfg.pids_limit))
            report.checks.append(_time_check(sandbox, probe_cfg.kill_grace_s))
            report.checks.append(_file_size_check(sandbox, probe_cfg.max_file_mb))
            report.checks.append(_output_check(sandbox))
        finally:
            sandbox.close()
    return report
