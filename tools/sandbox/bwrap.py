"""The bubblewrap backend: each command in fresh namespaces (no network, own PIDs, read-only system folders).

Same shape as the Docker backend: ``/workspace`` rw, ``/data`` and ``/models`` ro, the host Python ro, a
private size-limited ``/tmp``, nothing else of the host's files. Limits: as root, a cgroup per sandbox
(memory, pids, cpu) and commands run as an unprivileged uid (``setpriv``, all capabilities and the bounding
set dropped, no-new-privileges); as an ordinary user, bwrap's user namespace and rlimits (address space,
process count of that uid), which are weaker: docs/sandbox.md lists what cannot be enforced there.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from aar import get_logger
from tools.sandbox.access import grant_mount_access, sandbox_identity
from tools.sandbox.base import SandboxError, inner_command, run_capped
from tools.sandbox.cgroups import Cgroup, cgroup_name, create_cgroup
from tools.sandbox.config import BwrapSandboxConfig, ExecResult, SandboxMounts
from tools.sandbox.pyenv import python_environment

log = get_logger(__name__)

_SYSTEM_DIRS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
_ETC_KEEP = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "localtime")

def _etc_files(root: Path, uid: int, gid: int) -> dict[str, Path]:
    files = {
        "passwd": f"researcher:x:{uid}:{gid}:researcher:/tmp:/bin/bash\nnobody:x:65534:65534::/nonexistent:/bin/false\n",
        "group": f"researcher:x:{gid}:\nnogroup:x:65534:\n",
        "nsswitch.conf": "passwd: files\ngroup: files\nhosts: files\n",
        "hosts": "127.0.0.1 localhost sandbox\n",
    }
    out = {}
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
        out[name] = root / name
    return out

def gpu_args(gpus: str | list[str] | None, dev: Path = Path("/dev")) -> list[str]:
    """Device binds for NVIDIA GPUs: the control nodes plus every (or each chosen) ``/dev/nvidiaN``."""
    if gpus is None:
        return []
    wanted = {f"nvidia{index}" for index in gpus} if isinstance(gpus, list) else None
    nodes = [n for n in sorted(dev.glob("nvidia*")) if n.name[6:].isdigit() and (wanted is None or n.name in wanted)]
    nodes += [n for n in sorted(dev.glob("nvidia*")) if not n.name[6:].isdigit() and not n.is_dir()]
    nodes += sorted((dev / "nvidia-caps").glob("*")) if (dev / "nvidia-caps").is_dir() else []
    args: list[str] = []
    for node in nodes:
        args += ["--dev-bind", str(node), f"/dev/{node.relative_to(dev)}"]
    return args


class _BwrapProcess:
    def __init__(self, sandbox: BwrapSandbox, argv: list[str]) -> None:
        self._sandbox = sandbox
        self._proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=sandbox.limit_child,  # noqa: PLW1509 - sets rlimits / joins the cgroup before exec
        )

    def chunks(self) -> Iterator[bytes]:
        assert self._proc.stdout is not None
        while chunk := self._proc.stdout.read1(65536):
            yield chunk

    def exit_code(self) -> int:
        try:
            return self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()
            return self._proc.wait()

    def kill(self) -> None:
        try:
            os.killpg(self._proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if self._sandbox.cgroup is not None:
            self._sandbox.cgroup.kill_all()

class BwrapSandbox:
    """A bubblewrap sandbox: no long-lived process; each ``exec`` is a fresh ``bwrap`` (~10 ms)."""

    def __init__(self, config: BwrapSandboxConfig, mounts: SandboxMounts, name: str) -> None:
        self.config = config
        self.mounts = mounts
        self.name = name
        self.bwrap = shutil.which(config.bwrap_path)
        if self.bwrap is None:
            raise SandboxError(f"bwrap not found ({config.bwrap_path!r}); install bubblewrap")
        for path in (mounts.workspace, mounts.data, mounts.models):
            if path is not None and not path.exists():
                raise SandboxError(f"sandbox {name}: mount source {path} does not exist")
        self.as_root = os.geteuid() == 0
        self.uid, self.gid = sandbox_identity(mounts.workspace) if self.as_root else (os.getuid(), os.getgid())
        grant_mount_access(mounts, self.uid)
        self._etc_dir = Path(tempfile.mkdtemp(prefix="aar-bwrap-etc-"))
        self._etc = _etc_files(self._etc_dir, self.uid, self.gid)
        self.cgroup: Cgroup | None = None
        if self.as_root:
            self.cgroup = create_cgroup(cgroup_name(name), config.memory_mb, config.pids_limit, config.cpus)
        self._fixed_args = self._base_args()
        log.info("sandbox_started", backend="bwrap", name=name, cgroup=self.cgroup is not None, as_root=self.as_root)

    def _base_args(self) -> list[str]:
        cfg = self.config
        args = ["--die-with-parent", "--new-session", "--clearenv"]
        if self.as_root:
            # No user namespace: setpriv below switches to a real unprivileged uid on the host.
            args += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
        else:
            args += ["--unshare-all", "--cap-drop", "ALL"]
        args += ["--hostname", "sandbox", "--ro-bind", "/usr", "/usr"]
        for name in _SYSTEM_DIRS:
            host = Path("/") / name
            if host.is_symlink():
                args += ["--symlink", os.readlink(host), f"/{name}"]
            elif host.is_dir():
                args += ["--ro-bind", str(host), f"/{name}"]
        # /tmp first: the Python environment may live under /tmp (a CI checkout), and its parents must be made
        # inside this tmpfs, not hidden beneath it.
        args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/dev/shm", *gpu_args(cfg.gpus)]
        args += ["--size", str(cfg.tmp_size_mb * 2**20), "--perms", "1777", "--tmpfs", "/tmp"]
        pyenv = python_environment(host_python=True)
        # bwrap makes missing parent folders 0700 when privileged: create them readable first.
        targets = ["/etc/x", "/workspace", "/data", "/models", *(inside for _, inside in pyenv.ro_binds)]
        for parent in sorted({str(a) for t in targets for a in Path(t).parents if str(a) != "/"}):
            args += ["--perms", "0755", "--dir", parent]
        for name in _ETC_KEEP:
            args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
        for name, path in self._etc.items():
            args += ["--ro-bind", str(path), f"/etc/{name}"]
        args += ["--bind", str(self.mounts.workspace.resolve()), "/workspace"]
        for path, inside in ((self.mounts.data, "/data"), (self.mounts.models, "/models")):
            if path is not None:
                args += ["--ro-bind", str(path.resolve()), inside]
        for path, inside in pyenv.ro_binds + pyenv.blanked:
            args += ["--ro-bind", str(path), inside]
        env = dict(pyenv.env, OMP_NUM_THREADS=str(max(1, int(cfg.cpus))), USER="researcher")
        if isinstance(cfg.gpus, list):
            env["CUDA_VISIBLE_DEVICES"] = ",".join(cfg.gpus)
        for key, value in env.items():
            args += ["--setenv", key, value]
        # The sandbox's own root is a tmpfs its user may own (user namespace): seal it once everything is mounted.
        args += ["--remount-ro", "/"]
        return args

    def limit_child(self) -> None:
        """Runs in the forked child before ``bwrap`` starts: file size limit, then cgroup or rlimits."""
        file_limit = self.config.max_file_mb * 2**20
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if self.cgroup is not None:
            self.cgroup.attach(os.getpid())
            return
        memory = self.config.memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        # Counted per uid on the whole host: that uid's other processes count too (see docs/sandbox.md).
        running = sum(1 for p in Path("/proc").iterdir() if p.name.isdigit() and _owned_by(p, self.uid))
        resource.setrlimit(resource.RLIMIT_NPROC, (running + self.config.pids_limit,) * 2)

    def exec(self, command: str, timeout_s: float, cwd: str = "/workspace") -> ExecResult:
        started = time.monotonic()
        inner = inner_command(command, timeout_s, self.config.kill_grace_s)
        if self.as_root:
            inner = [
                "setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--", *inner,
            ]  # fmt: skip
        argv = [str(self.bwrap), *self._fixed_args, "--chdir", cwd, "--", *inner]
        try:
            running = _BwrapProcess(self, argv)
        except OSError as exc:
            raise SandboxError(f"sandbox {self.name}: bwrap did not start: {exc}") from exc
        return run_capped(running, timeout_s, self.config, self.mounts.workspace, started)

    def close(self) -> None:
        if self.cgroup is not None:
            self.cgroup.remove()
            self.cgroup = None
        shutil.rmtree(self._etc_dir, ignore_errors=True)

    def __enter__(self) -> BwrapSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

def _owned_by(proc_dir: Path, uid: int) -> bool:
    try:
        return proc_dir.stat().st_uid == uid
    except OSError:
        return False
