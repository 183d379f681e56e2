"""Fixtures for the sandbox tests: real engines only. Docker tests FAIL when no engine answers (CI starts one);
set AAR_SKIP_DOCKER_TESTS=1 (or AAR_SKIP_BWRAP_TESTS=1) to skip them on a machine without it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tools.sandbox import BwrapSandboxConfig, DockerSandboxConfig, Sandbox, SandboxError, SandboxMounts, open_sandbox

TEST_LABEL = "aar.test"
# Small limits: every containment test proves its limit in a second or two.
SMALL_LIMITS: dict[str, Any] = {
    "memory_mb": 384,
    "pids_limit": 96,
    "workspace_quota_mb": 48,
    "max_file_mb": 32,
    "output_limit_bytes": 20_000,
    "kill_grace_s": 1.0,
    "tmp_size_mb": 32,
}
BACKENDS = [pytest.param("docker", marks=pytest.mark.docker), pytest.param("bwrap", marks=pytest.mark.bwrap)]


@pytest.fixture(scope="session")
def docker_engine() -> Iterator[None]:
    if os.environ.get("AAR_SKIP_DOCKER_TESTS") == "1":
        pytest.skip("AAR_SKIP_DOCKER_TESTS=1")
    from tools.sandbox.docker import remove_containers
    from tools.sandbox.images import build_image

    try:
        build_image()  # a no-op (about a second) when `make` already built it
    except SandboxError as exc:
        pytest.fail(f"the Docker tests need a Docker engine and the sandbox image: {exc}")
    yield
    remove_containers(TEST_LABEL)


@pytest.fixture(scope="session")
def bwrap_available() -> None:
    if os.environ.get("AAR_SKIP_BWRAP_TESTS") == "1":
        pytest.skip("AAR_SKIP_BWRAP_TESTS=1")
    if shutil.which("bwrap") is None:
        pytest.fail("the bwrap tests need bubblewrap (apt-get install bubblewrap)")


SandboxFactory = Callable[..., Sandbox]


@pytest.fixture()
def make_sandbox(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SandboxFactory]:
    """``make_sandbox(backend, name, data=None, models=None, **limits)``: an open sandbox over a fresh workspace."""
    opened: list[Sandbox] = []

    def factory(
        backend: str, name: str = "r1", data: Path | None = None, models: Path | None = None, **limits: Any
    ) -> Sandbox:
        settings = {**SMALL_LIMITS, **limits}
        if backend == "docker":
            request.getfixturevalue("docker_engine")
            config: DockerSandboxConfig | BwrapSandboxConfig = DockerSandboxConfig(
                labels={TEST_LABEL: "1"}, **settings
            )
        else:
            request.getfixturevalue("bwrap_available")
            config = BwrapSandboxConfig(**settings)
        workspace = tmp_path / f"workspace-{name}"
        workspace.mkdir()
        sandbox = open_sandbox(config, SandboxMounts(workspace=workspace, data=data, models=models), f"test-{name}-{os.getpid()}")
        opened.append(sandbox)
        return sandbox

    yield factory
    for sandbox in opened:
        sandbox.close()
