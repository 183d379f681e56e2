"""What a sandbox is made of: its backend config (pydantic, chosen by ``type``), its mounts and an exec result."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_IMAGE = "aar-sandbox:latest"
# The uid/gid commands run as inside a sandbox when the workspace belongs to root (a CI box, a root shell);
# otherwise the workspace owner's own uid is used, as ``docker run --user $(id -u)`` would.
SANDBOX_UID = 10001


class SandboxLimits(BaseModel):
    """Limits shared by every backend. Sizes are MiB."""

    model_config = ConfigDict(extra="forbid")

    memory_mb: int = Field(4096, ge=64, description="memory of all processes together (cgroup; bwrap: see docs)")
    pids_limit: int = Field(256, ge=16, description="processes and threads at once")
    tmp_size_mb: int = Field(512, ge=16, description="size of the private tmpfs at /tmp (counts as memory)")
    workspace_quota_mb: int = Field(2048, ge=1, description="the workspace may not grow past this (watched)")
    max_file_mb: int = Field(1024, ge=1, description="largest single file a process may write (RLIMIT_FSIZE)")
    output_limit_bytes: int = Field(60_000, ge=1000, description="output kept per command: head and tail")
    kill_grace_s: float = Field(5.0, gt=0, description="after the inner timeout, how long before the outer kill")
    cpus: float = Field(1.0, gt=0, description="CPU share (docker nano_cpus; bwrap: cgroup cpu quota when root)")
    gpus: Literal["all"] | list[str] | None = Field(
        None, description="None: no GPU; 'all'; or GPU indices (docker: device_requests; bwrap: /dev/nvidia* binds)"
    )


class DockerSandboxConfig(SandboxLimits):
    """One long-lived container per researcher on a local Docker engine."""

    type: Literal["docker"] = "docker"
    image: str = DEFAULT_IMAGE
    labels: dict[str, str] = Field(default_factory=dict, description="extra container labels (tests use them)")


class BwrapSandboxConfig(SandboxLimits):
    """bubblewrap namespaces for hosts without Docker (HPC). Limits it cannot enforce are listed in docs/sandbox.md."""

    type: Literal["bwrap"] = "bwrap"
    bwrap_path: str = "bwrap"


SandboxConfig = Annotated[DockerSandboxConfig | BwrapSandboxConfig, Field(discriminator="type")]


@dataclass(frozen=True)
class SandboxMounts:
    """Host folders a sandbox sees: ``/workspace`` read-write, ``/data`` and ``/models`` read-only."""

    workspace: Path
    data: Path | None = None
    models: Path | None = None


@dataclass(frozen=True)
class ExecResult:
    """What one command did. ``output`` is stdout and stderr interleaved, capped (head + tail, a note of the cut)."""

    exit_code: int
    output: str
    timed_out: bool
    truncated: bool
    seconds: float
