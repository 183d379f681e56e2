"""Code store tools: browse everyone's branches and commits, read any file, copy code into your workspace."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from pydantic import Field

from tools.registry import Tool, ToolArgs, ToolContext, ToolResult
from tools.workspace_tools.common import ctx_codestore, reports_input_errors


Ref = Annotated[str, Field(min_length=1, description="A commit id or a branch such as researcher/alice")]


class CodeBranchesArgs(ToolArgs):
    pass


class CodeLogArgs(ToolArgs):
    branch: str | None = Field(None, description="A researcher's name or branch (default: your own)")
    limit: int = Field(20, ge=1, le=200)


class CodeShowArgs(ToolArgs):
    ref: Ref
    path: str = Field("", description="A file (its text is shown) or a folder (its files are listed)")


class CodeDiffArgs(ToolArgs):
    ref: Ref
    base: str | None = Field(None, description="Compare with this commit or branch (default: ref's parent)")


class CodeCopyArgs(ToolArgs):
    ref: Ref
    src: str = Field(min_length=1, description="File or folder at that commit")
    dst: str = Field(min_length=1, description="Where to put it in your workspace")


@reports_input_errors
def code_branches(args: CodeBranchesArgs, ctx: ToolContext) -> dict[str, Any]:
    return {"branches": [{"branch": branch.name, "researcher": branch.researcher, "head": branch.head.sha,
                          "summary": branch.head.summary, "time": branch.head.time}
                         for branch in ctx_codestore(ctx).branches()]}


@reports_input_errors
def code_log(args: CodeLogArgs, ctx: ToolContext) -> dict[str, Any]:
    branch = args.branch or ctx.researcher
    return {"branch": branch, "commits": [asdict(commit) for commit in ctx_codestore(ctx).log(branch, args.limit)]}


@reports_input_errors
def code_show(args: CodeShowArgs, ctx: ToolContext) -> ToolResult:
    text = ctx_codestore(ctx).show(args.ref, args.path)
    return ToolResult(ok=True, content=text or "(empty)", data={"ref": args.ref, "path": args.path})


@reports_input_errors
def code_diff(args: CodeDiffArgs, ctx: ToolContext) -> ToolResult:
    return ToolResult(ok=True, content=ctx_codestore(ctx).diff(args.ref, args.base),
                      data={"ref": args.ref, "base": args.base})


@reports_input_errors
def code_copy(args: CodeCopyArgs, ctx: ToolContext) -> dict[str, Any]:
    written = ctx_codestore(ctx).copy(ctx.researcher, args.ref, args.src, args.dst)
    return {"written": written}


CODE_TOOLS = [
    Tool("code_branches", "List every researcher's branch in the code store with its latest commit.",
         CodeBranchesArgs, code_branches),
    Tool("code_log", "Commits of a branch, newest first (each experiment you run is a commit).", CodeLogArgs, code_log),
    Tool("code_show", "Show a file, or list a folder, at any commit or branch.", CodeShowArgs, code_show),
    Tool("code_diff", "What a commit changed (or the difference between two commits or branches).",
         CodeDiffArgs, code_diff),
    Tool("code_copy", "Copy a file or folder from any commit or branch into your own workspace.",
         CodeCopyArgs, code_copy),
]
