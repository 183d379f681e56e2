"""run_command: a shell command inside the researcher's sandbox (its timeout and output cap apply)."""

from __future__ import annotations

from pydantic import Field

from tools.registry import Tool, ToolArgs, ToolContext, ToolError, ToolResult
from tools.sandbox import SandboxError
from tools.workspace_tools.common import need

DEFAULT_TIMEOUT_S = 120.0
MAX_TIMEOUT_S = 3600.0


class RunCommandArgs(ToolArgs):
    command: str = Field(min_length=1, description="A bash command line, run in /workspace inside your sandbox")
    timeout_s: float = Field(DEFAULT_TIMEOUT_S, gt=0, le=MAX_TIMEOUT_S,
                             description="Kill the command after this many seconds")


def run_command(args: RunCommandArgs, ctx: ToolContext) -> ToolResult:
    sandbox = need(ctx.sandbox, "a sandbox")
    try:
        result = sandbox.exec(args.command, timeout_s=args.timeout_s)
    except SandboxError as error:  # the sandbox itself failed (engine gone, container removed): say so
        raise ToolError(f"the sandbox could not run the command: {error}") from None
    status = f"exit code {result.exit_code}, {result.seconds:.1f}s"
    if result.timed_out:
        status += f", timed out after {args.timeout_s:g}s"
    if result.truncated:
        status += ", output cut (head and tail kept)"
    content = f"{result.output.rstrip()}\n[{status}]" if result.output.strip() else f"[no output; {status}]"
    return ToolResult(ok=result.exit_code == 0 and not result.timed_out, content=content, data={
        "exit_code": result.exit_code, "timed_out": result.timed_out, "truncated": result.truncated,
        "seconds": round(result.seconds, 3)})


COMMAND_TOOLS = [
    Tool("run_command", "Run a bash command in your sandbox (no network; your workspace is /workspace, "
         "the task data /data and the models /models, both read-only).", RunCommandArgs, run_command),
]
