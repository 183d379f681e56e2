"""The Docker backend: one long-lived, locked-down container per researcher; commands run through ``exec``.

The container's main process (``sleep infinity`` under docker-init) runs as ``nobody``; commands run as the
sandbox user, so the outer kill (``kill -KILL -1`` as that user) ends every command process, including ones
that left their process group, while the container itself keeps running.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
from docker.errors import DockerException, ImageNotFound, NotFound
from docker.types import DeviceRequest, Mount, Ulimit

from aar import get_logger
from tools.sandbox.access import grant_mount_access, sandbox_identity
from tools.sandbox.base import SandboxError, inner_command, run_capped
from tools.sandbox.config import DockerSandboxConfig, ExecResult, SandboxMounts
from tools.sandbox.pyenv import python_environment

log = get_logger(__name__)

CONTAINER_PREFIX = "aar-sandbox-"
SANDBOX_LABEL = "aar.sandbox"
PYTHON_LABEL = "aar.python"  # on an image: "host" (mount this interpreter) or "image" (it has its own)
_KEEPER_USER = "65534:65534"
_API_TIMEOUT_S = 120
_KILL_WAIT_S = 5.0  # after this, a container whose commands will not die is restarted


def docker_client() -> docker.DockerClient:
    """A client for the local engine, or SandboxError saying why there is none."""
    try:
        client = docker.from_env(timeout=_API_TIMEOUT_S)
        client.ping()
    except DockerException as exc:
        raise SandboxError(f"no Docker engine answers ({exc}); start dockerd or use the bwrap backend") from exc
    return client


def container_name(name: str, workspace: Path) -> str:
    """Unique per (name, workspace): reopening after a crash replaces the stale container, while two campaigns
    that both call a researcher "r1" never touch each other's."""
    digest = hashlib.sha1(str(workspace.resolve()).encode()).hexdigest()[:10]
    return f"{CONTAINER_PREFIX}{re.sub(r'[^a-zA-Z0-9_.-]', '-', name)[:80]}-{digest}"


def _device_requests(gpus: Any) -> list[DeviceRequest]:
    if gpus is None:
        return []
    if gpus == "all":
        return [DeviceRequest(count=-1, capabilities=[["gpu"]])]
    return [DeviceRequest(device_ids=list(gpus), capabilities=[["gpu"]])]


class _DockerExec:
    def __init__(self, sandbox: DockerSandbox, argv: list[str], cwd: str) -> None:
        self._sandbox = sandbox
        api = sandbox.client.api
        self._exec_id = api.exec_create(
            sandbox.container.id, argv, stdout=True, stderr=True, workdir=cwd, user=sandbox.user
        )["Id"]
        self._stream = api.exec_start(self._exec_id, stream=True, demux=False)

    def chunks(self) -> Iterator[bytes]:
        yield from self._stream

    def exit_code(self) -> int:
        # The stream can close a moment before the engine records the exit: wait for it briefly.
        for _ in range(50):
            state = self._sandbox.client.api.exec_inspect(self._exec_id)
            if not state.get("Running") and state.get("ExitCode") is not None:
                return int(state["ExitCode"])
            time.sleep(0.02)
        return 137

    def kill(self) -> None:
        self._sandbox.kill_commands()


def _could_not_start(result: ExecResult) -> bool:
    """True when the command never ran: runc or ``timeout`` could not fork (exit 126 / 125)."""
    return result.exit_code in (125, 126) and (
        "fork system call failed" in result.output or "OCI runtime exec failed" in result.output
    )


class DockerSandbox:
    """A running container; ``exec`` commands into it, ``close`` removes it."""

    def __init__(self, config: DockerSandboxConfig, mounts: SandboxMounts, name: str) -> None:
        self.config = config
        self.mounts = mounts
        self.name = name
        self.client = docker_client()
        self._remove_stale(container_name(name, mounts.workspace))  # before the grant: nothing may run inside
        uid, gid = sandbox_identity(mounts.workspace)
        grant_mount_access(mounts, uid)
        self.user = f"{uid}:{gid}"
        self.container = self._start()

    def _image_python(self) -> bool:
        try:
            image = self.client.images.get(self.config.image)
        except ImageNotFound as exc:
            raise SandboxError(f"sandbox image {self.config.image!r} not found: run `aar sandbox build`") from exc
        return (image.labels or {}).get(PYTHON_LABEL) == "image"

    def _mounts(self, ro_binds: list[tuple[Path, str]]) -> list[Mount]:
        wanted = [(self.mounts.workspace, "/workspace", False)]
        wanted += [(path, inside, True) for path, inside in ((self.mounts.data, "/data"), (self.mounts.models, "/models")) if path]
        wanted += [(path, inside, True) for path, inside in ro_binds]
        for path, inside, _ in wanted:
            if not path.exists():
                raise SandboxError(f"sandbox {self.name}: mount source {path} (for {inside}) does not exist")
        return [Mount(inside, str(path.resolve()), type="bind", read_only=ro) for path, inside, ro in wanted]

    def _start(self) -> Any:
        cfg = self.config
        pyenv = python_environment(host_python=not self._image_python())
        env = dict(pyenv.env, OMP_NUM_THREADS=str(max(1, int(cfg.cpus))))
        cname = container_name(self.name, self.mounts.workspace)
        self._remove_stale(cname)
        file_limit = cfg.max_file_mb * 1024 * 1024
        try:
            container = self.client.containers.run(
                cfg.image,
                command=["sleep", "infinity"],
                name=cname,
                detach=True,
                init=True,
                user=_KEEPER_USER,
                hostname="sandbox",
                working_dir="/workspace",
                environment=env,
                labels={SANDBOX_LABEL: "1", "aar.sandbox.name": self.name, **cfg.labels},
                network_mode="none",
                mem_limit=f"{cfg.memory_mb}m",
                memswap_limit=f"{cfg.memory_mb}m",
                nano_cpus=int(cfg.cpus * 1e9),
                pids_limit=cfg.pids_limit,
                read_only=True,
                tmpfs={"/tmp": f"rw,nosuid,nodev,size={cfg.tmp_size_mb}m,mode=1777"},
                mounts=self._mounts(pyenv.ro_binds + pyenv.blanked),
                cap_drop=["ALL"],
                security_opt=["no-new-privileges"],
                ulimits=[Ulimit(name="fsize", soft=file_limit, hard=file_limit), Ulimit(name="core", soft=0, hard=0)],
                device_requests=_device_requests(cfg.gpus),
            )
        except DockerException as exc:
            raise SandboxError(f"sandbox {self.name}: container did not start: {exc}") from exc
        log.info("sandbox_started", backend="docker", name=self.name, container=container.short_id)
        return container

    def _remove_stale(self, cname: str) -> None:
        try:
            self.client.containers.get(cname).remove(force=True)
            log.info("sandbox_stale_removed", container=cname)
        except NotFound:
            pass

    def exec(self, command: str, timeout_s: float, cwd: str = "/workspace") -> ExecResult:
        result = self._exec_once(command, timeout_s, cwd)
        if _could_not_start(result):
            # Background processes of an earlier command (a fork bomb) hold every pid: clear them, try again.
            self.kill_commands()
            result = self._exec_once(command, timeout_s, cwd)
        return result

    def _exec_once(self, command: str, timeout_s: float, cwd: str) -> ExecResult:
        started = time.monotonic()
        argv = inner_command(command, timeout_s, self.config.kill_grace_s)
        try:
            running = _DockerExec(self, argv, cwd)
        except DockerException as first:
            self._revive(first)
            try:
                running = _DockerExec(self, argv, cwd)
            except DockerException as exc:
                raise SandboxError(f"sandbox {self.name}: exec failed: {exc}") from exc
        result = run_capped(running, timeout_s, self.config, self.mounts.workspace, started)
        if result.timed_out:
            # What a timed-out command started (a fork bomb's leftovers, daemons) must not outlive it.
            self.kill_commands()
        return result

    def _revive(self, error: DockerException) -> None:
        """The container stopped or vanished under us (someone ran ``docker rm``): start it again, same mounts."""
        log.warning("sandbox_container_lost", name=self.name, error=str(error)[:200])
        try:
            self.container.reload()
            if self.container.status != "running":
                self.container.start()
                return
        except NotFound:
            pass
        except DockerException:
            log.info("sandbox_recreating", name=self.name)
        self.container = self._start()

    def kill_commands(self) -> None:
        """Kill every process of the sandbox user in the container (the keeper and init are not theirs).

        When even that cannot start (the pids limit is exhausted), restart the container: the workspace
        survives, /tmp does not.
        """
        api = self.client.api
        deadline = time.monotonic() + _KILL_WAIT_S
        while time.monotonic() < deadline:
            try:
                exec_id = api.exec_create(self.container.id, ["bash", "-c", "kill -KILL -1"], user=self.user)["Id"]
                api.exec_start(exec_id)
                if not self._command_pids():
                    return
            except DockerException as exc:
                log.info("sandbox_kill_exec_failed", name=self.name, error=str(exc)[:200])
            time.sleep(0.1)
        log.warning("sandbox_restarted", name=self.name, reason="processes could not be killed by exec")
        self.container.restart(timeout=0)

    def _command_pids(self) -> list[str]:
        """Host PIDs of the sandbox user's processes in the container (zombies included: they hold pids)."""
        uid = self.user.split(":")[0]
        rows = self.container.top(ps_args="-o pid,uid")["Processes"] or []
        return [pid for pid, owner in rows if owner == uid]

    def close(self) -> None:
        try:
            self.container.remove(force=True)
        except NotFound:
            pass
        except DockerException as exc:
            log.warning("sandbox_remove_failed", name=self.name, error=str(exc))
        finally:
            self.client.close()

    def __enter__(self) -> DockerSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def remove_containers(label: str, value: str = "1") -> int:
    """Remove every container carrying ``label=value`` (tests and ``aar sandbox clean`` use it)."""
    client = docker_client()
    try:
        containers = client.containers.list(all=True, filters={"label": f"{label}={value}"})
        for container in containers:
            container.remove(force=True)
    finally:
        client.close()
    return len(containers)
