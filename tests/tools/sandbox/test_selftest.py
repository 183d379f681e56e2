"""The self-test a campaign runs before starting: every check passes on a real sandbox, and a leak is named."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tools.sandbox.conftest import BACKENDS, TEST_LABEL
from tools.sandbox import BwrapSandboxConfig, DockerSandboxConfig, sandbox_self_test

EXPECTED = {
    "sandbox_starts", "network_connect", "dns_lookup", "hidden_files", "docker_socket", "writes_outside_workspace",
    "unprivileged", "python_env", "memory_limit", "pids_limit", "time_limit", "file_size_limit", "output_cap",
}  # fmt: skip


def _config(backend: str, request: pytest.FixtureRequest) -> DockerSandboxConfig | BwrapSandboxConfig:
    if backend == "docker":
        request.getfixturevalue("docker_engine")
        return DockerSandboxConfig(labels={TEST_LABEL: "1"})
    request.getfixturevalue("bwrap_available")
    return BwrapSandboxConfig()


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_check_passes(backend: str, request: pytest.FixtureRequest) -> None:
    report = sandbox_self_test(_config(backend, request))
    assert {c.name for c in report.checks} == EXPECTED
    assert report.ok, report.to_dict()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_visible_secret_fails_the_hidden_files_check(backend: str, request: pytest.FixtureRequest) -> None:
    report = sandbox_self_test(_config(backend, request), hidden_paths=[Path("/usr/bin/env")])
    assert not report.ok
    assert report.failed == ["hidden_files"]
    assert "/usr/bin/env" in next(c.detail for c in report.checks if c.name == "hidden_files")
