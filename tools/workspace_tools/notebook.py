"""Notebook tools: the researcher's memory across sessions, a Markdown file kept outside the workspace."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from aar import write_atomic
from tools.registry import Tool, ToolArgs, ToolContext, ToolError, ToolResult

MAX_NOTEBOOK_CHARS = 40_000


class NotebookReadArgs(ToolArgs):
    pass


class NotebookWriteArgs(ToolArgs):
    content: str = Field(description="Markdown to store")
    mode: Literal["replace", "append"] = Field("append", description="append to the notebook, or replace it whole")


def read_notebook(ctx: ToolContext) -> str:
    try:
        return ctx.notebook_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""


def notebook_read(args: NotebookReadArgs, ctx: ToolContext) -> ToolResult:
    text = read_notebook(ctx)
    return ToolResult(ok=True, content=text or "(your notebook is empty)", data={"chars": len(text)})


def notebook_write(args: NotebookWriteArgs, ctx: ToolContext) -> ToolResult:
    old = read_notebook(ctx)
    new = args.content if args.mode == "replace" else (old.rstrip("\n") + "\n\n" + args.content if old else args.content)
    if len(new) > MAX_NOTEBOOK_CHARS:
        raise ToolError(f"the notebook would have {len(new)} characters; the limit is {MAX_NOTEBOOK_CHARS}. "
                        "Condense it and write it whole with mode 'replace'")
    write_atomic(ctx.notebook_path, new if new.endswith("\n") else new + "\n")
    return ToolResult(ok=True, content=f"notebook saved ({len(new)} characters, mode {args.mode})",
                      data={"chars": len(new), "mode": args.mode})


NOTEBOOK_TOOLS = [
    Tool("notebook_read", "Read your notebook: the notes you kept across sessions.", NotebookReadArgs, notebook_read),
    Tool("notebook_write", "Write to your notebook (survives the end of this session; keep it short and current).",
         NotebookWriteArgs, notebook_write),
]
