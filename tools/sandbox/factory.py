"""Opening a sandbox from its config: the one place that knows every backend."""

from __future__ import annotations

from pydantic import TypeAdapter

from tools.sandbox.base import Sandbox
from tools.sandbox.config import BwrapSandboxConfig, DockerSandboxConfig, SandboxConfig, SandboxMounts

sandbox_config_adapter: TypeAdapter[DockerSandboxConfig | BwrapSandboxConfig] = TypeAdapter(SandboxConfig)


def open_sandbox(config: DockerSandboxConfig | BwrapSandboxConfig, mounts: SandboxMounts, name: str) -> Sandbox:
    """Start a sandbox named ``name`` (unique per researcher or experiment) over these mounts."""
    if isinstance(config, DockerSandboxConfig):
        from tools.sandbox.docker import DockerSandbox

        return DockerSandbox(config, mounts, name)
    from tools.sandbox.bwrap import BwrapSandbox

    return BwrapSandbox(config, mounts, name)
