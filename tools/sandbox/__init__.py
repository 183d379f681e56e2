"""Researcher sandboxes: Docker (default) or bubblewrap, the same limits and mounts, a self-test proving them."""

from tools.sandbox.base import Sandbox, SandboxError
from tools.sandbox.config import (
    DEFAULT_IMAGE,
    BwrapSandboxConfig,
    DockerSandboxConfig,
    ExecResult,
    SandboxConfig,
    SandboxMounts,
)
from tools.sandbox.factory import open_sandbox, sandbox_config_adapter
from tools.sandbox.selftest import CheckResult, SelfTestReport, sandbox_self_test

__all__ = [
    "DEFAULT_IMAGE",
    "BwrapSandboxConfig",
    "CheckResult",
    "DockerSandboxConfig",
    "ExecResult",
    "Sandbox",
    "SandboxConfig",
    "SandboxError",
    "SandboxMounts",
    "SelfTestReport",
    "open_sandbox",
    "sandbox_config_adapter",
    "sandbox_self_test",
]
