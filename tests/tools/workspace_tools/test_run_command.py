"""run_command through the sandbox engineer's real Docker backend (skipped where no engine or image exists)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.tools.workspace_tools.conftest import CallTool
from tools.registry import ToolContext

pytestmark = pytest.mark.docker


@pytest.fixture()
def sandbox(ctx: ToolContext) -> Iterator[Any]:
    sandbox_pkg = pytest.importorskip("tools.sandbox")
    try:
        opened = sandbox_pkg.open_sandbox(
            sandbox_pkg.DockerSandboxConfig(labels={"aar.test": "workspace_tools"}, memory_mb=256),
            sandbox_pkg.SandboxMounts(workspace=ctx.workspace), name=f"wt-{ctx.workspace.parent.parent.name}")
    except Exception as error:  # no engine or no image on this host
        pytest.skip(f"docker sandbox unavailable: {error}")
    yield opened
    opened.close()


def test_commands_run_in_the_workspace_and_see_the_file_tools(
        call: CallTool, make_ctx: Callable[..., ToolContext], sandbox: Any) -> None:
    ctx = make_ctx(sandbox=sandbox)
    assert call("write_file", ctx, path="data/in.txt", content="from the host\n").ok
    result = call("run_command", ctx, command="cat data/in.txt && echo made > out.txt && pwd")
    assert result.ok and result.content.startswith("from the host\n/workspace\n[exit code 0")
    assert call("read_file", ctx, path="out.txt").content == "made\n"
    failed = call("run_command", ctx, command="exit 3")
    assert not failed.ok and failed.data["exit_code"] == 3


def test_a_command_past_its_timeout_is_stopped(call: CallTool, make_ctx: Callable[..., ToolContext],
                                               sandbox: Any) -> None:
    result = call("run_command", make_ctx(sandbox=sandbox), command="sleep 30", timeout_s=1)
    assert not result.ok and result.data["timed_out"] and result.data["seconds"] < 15
    assert "timed out after 1s" in result.content
