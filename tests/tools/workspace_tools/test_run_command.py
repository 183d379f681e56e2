"""run_command through the sandbox engineer's real backends, Docker and bubblewrap.

Like the sandbox tests, these fail when the engine is missing; AAR_SKIP_DOCKER_TESTS=1 / AAR_SKIP_BWRAP_TESTS=1
skip them on a machine without one.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tools.registry import ToolContext, ToolResult
from tools.sandbox import BwrapSandboxConfig, DockerSandboxConfig, SandboxError, SandboxMounts, open_sandbox

CallTool = Callable[..., ToolResult]

_LABEL = "aar.test.workspace_tools"


def _config(backend: str) -> DockerSandboxConfig | BwrapSandboxConfig:
    if backend == "docker":
        if os.environ.get("AAR_SKIP_DOCKER_TESTS") == "1":
            pytest.skip("AAR_SKIP_DOCKER_TESTS=1")
        from tools.sandbox.images import build_image

        try:
            build_image()  # about a second when the image is already built
        except SandboxError as error:
            pytest.fail(f"run_command's Docker test needs a Docker engine and the sandbox image: {error}")
        return DockerSandboxConfig(labels={_LABEL: "1"}, memory_mb=256, kill_grace_s=1.0)
    if os.environ.get("AAR_SKIP_BWRAP_TESTS") == "1":
        pytest.skip("AAR_SKIP_BWRAP_TESTS=1")
    if shutil.which("bwrap") is None:
        pytest.fail("run_command's bwrap test needs bubblewrap (apt-get install bubblewrap)")
    return BwrapSandboxConfig(memory_mb=256, kill_grace_s=1.0)


@pytest.fixture(params=[pytest.param("docker", marks=pytest.mark.docker),
                        pytest.param("bwrap", marks=pytest.mark.bwrap)])
def sandbox_ctx(request: pytest.FixtureRequest, make_ctx: Callable[..., ToolContext]) -> Iterator[ToolContext]:
    ctx = make_ctx()
    sandbox: Any = open_sandbox(_config(request.param), SandboxMounts(workspace=ctx.workspace),
                                f"wt-{request.param}-{os.getpid()}")
    ctx.sandbox = sandbox
    yield ctx
    sandbox.close()


def test_commands_run_in_the_workspace_and_see_the_file_tools(call: CallTool, sandbox_ctx: ToolContext) -> None:
    assert call("write_file", sandbox_ctx, path="data/in.txt", content="from the host\n").ok
    result = call("run_command", sandbox_ctx, command="cat data/in.txt && echo made > out.txt && pwd")
    assert result.ok and result.content.startswith("from the host\n/workspace\n[exit code 0")
    assert call("read_file", sandbox_ctx, path="out.txt").content == "made\n"
    assert call("run_command", sandbox_ctx, command="echo more >> data/in.txt").ok  # host-written files stay writable
    failed = call("run_command", sandbox_ctx, command="exit 3")
    assert not failed.ok and failed.data["exit_code"] == 3


def test_a_command_past_its_timeout_is_stopped(call: CallTool, sandbox_ctx: ToolContext) -> None:
    result = call("run_command", sandbox_ctx, command="sleep 30", timeout_s=1)
    assert not result.ok and result.data["timed_out"] and result.data["seconds"] < 15
    assert "timed out after 1s" in result.content


def test_files_the_sandbox_writes_are_committed(call: CallTool, sandbox_ctx: ToolContext) -> None:
    assert call("run_command", sandbox_ctx, command="mkdir -p m && echo 'def run(ctx): ...' > m/method.py").ok
    assert sandbox_ctx.codestore is not None
    sha = sandbox_ctx.codestore.commit_workspace("alice", "from the sandbox", "s1")
    assert sandbox_ctx.codestore.show(sha, "m/method.py") == "def run(ctx): ...\n"



class _EngineGone:
    """A sandbox whose engine has disappeared (the real backends raise SandboxError then)."""

    def exec(self, command: str, timeout_s: float, cwd: str = "/workspace") -> Any:
        raise SandboxError("Docker engine not reachable")


def test_a_failing_sandbox_is_reported_not_raised(call: CallTool, make_ctx: Callable[..., ToolContext]) -> None:
    result = call("run_command", make_ctx(sandbox=_EngineGone()), command="true")
    assert not result.ok
    assert result.content == "run_command: the sandbox could not run the command: Docker engine not reachable"
