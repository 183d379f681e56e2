"""File tools: read, write, edit and list files inside the researcher's workspace, and nowhere else."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from tools.codestore import ConfinedDir
from tools.registry import Tool, ToolArgs, ToolContext, ToolError, ToolResult
from tools.workspace_tools.common import reports_input_errors

MAX_READ_BYTES = 100_000
MAX_WRITE_BYTES = 1_000_000
MAX_LISTED = 500

WorkspacePath = Annotated[str, Field(min_length=1,
                                     description="Path relative to your workspace (or absolute under /workspace)")]


class ReadFileArgs(ToolArgs):
    path: WorkspacePath


class WriteFileArgs(ToolArgs):
    path: WorkspacePath
    content: str = Field(description="The whole new content of the file")


class EditFileArgs(ToolArgs):
    path: WorkspacePath
    old: str = Field(min_length=1, description="Exact text to replace; must occur exactly once in the file")
    new: str = Field(description="Replacement text")


class ListFilesArgs(ToolArgs):
    path: str = Field(".", description="Folder to list, recursively (default: the workspace root)")


def _text_of(ctx: ToolContext, path: str, limit: int) -> tuple[str, int]:
    data, size = ConfinedDir(ctx.workspace).read_bytes(path, limit)
    if b"\x00" in data[:8192]:
        raise ToolError(f"'{path}' is a binary file ({size} bytes); inspect it with run_command")
    return data.decode("utf-8", errors="replace"), size


@reports_input_errors
def read_file(args: ReadFileArgs, ctx: ToolContext) -> ToolResult:
    text, size = _text_of(ctx, args.path, MAX_READ_BYTES)
    cut = size > MAX_READ_BYTES
    if cut:
        text += (f"\n[... cut: the file has {size} bytes, shown the first {MAX_READ_BYTES}; "
                 "read the rest with run_command, e.g. tail or sed -n]")
    return ToolResult(ok=True, content=text, data={"path": args.path, "size": size, "truncated": cut})


def _write(ctx: ToolContext, path: str, text: str) -> ToolResult:
    data = text.encode("utf-8")
    if len(data) > MAX_WRITE_BYTES:
        raise ToolError(f"content is {len(data)} bytes; write_file takes at most {MAX_WRITE_BYTES}")
    ConfinedDir(ctx.workspace).write_bytes(path, data)
    return ToolResult(ok=True, content=f"wrote {len(data)} bytes to {path}", data={"path": path, "size": len(data)})


@reports_input_errors
def write_file(args: WriteFileArgs, ctx: ToolContext) -> ToolResult:
    return _write(ctx, args.path, args.content)


@reports_input_errors
def edit_file(args: EditFileArgs, ctx: ToolContext) -> ToolResult:
    text, size = _text_of(ctx, args.path, MAX_WRITE_BYTES + 1)
    if size > MAX_WRITE_BYTES:
        raise ToolError(f"'{args.path}' is {size} bytes; edit_file works on files up to {MAX_WRITE_BYTES}")
    count = text.count(args.old)
    if count != 1:
        where = "does not occur" if count == 0 else f"occurs {count} times"
        raise ToolError(f"the old text {where} in '{args.path}'; it must occur exactly once "
                        "(include more surrounding lines to make it unique)")
    return _write(ctx, args.path, text.replace(args.old, args.new, 1))


@reports_input_errors
def list_files(args: ListFilesArgs, ctx: ToolContext) -> ToolResult:
    entries, cut = ConfinedDir(ctx.workspace).list(args.path, MAX_LISTED)
    lines = [f"{entry.path}/" if entry.is_dir else f"{entry.path}  ({entry.size} bytes)" for entry in entries]
    if cut:
        lines.append(f"[... listing cut at {MAX_LISTED} entries; list a subfolder]")
    content = "\n".join(lines) if lines else "(empty)"
    return ToolResult(ok=True, content=content, data={
        "entries": [{"path": e.path, "is_dir": e.is_dir, "size": e.size} for e in entries], "truncated": cut})


FILE_TOOLS = [
    Tool("read_file", "Read a text file in your workspace.", ReadFileArgs, read_file),
    Tool("write_file", "Create or overwrite a file in your workspace (parent folders are created).",
         WriteFileArgs, write_file),
    Tool("edit_file", "Replace one exact occurrence of `old` with `new` in a file in your workspace.",
         EditFileArgs, edit_file),
    Tool("list_files", "List files and folders in your workspace, recursively.", ListFilesArgs, list_files),
]
