"""File tools inside a real worktree: round trips, and every way out of the workspace refused."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tools.codestore import ConfinedDir
from tools.registry import ToolContext, ToolResult

CallTool = Callable[..., ToolResult]


def test_write_read_edit_list_round_trip(call: CallTool, ctx: ToolContext) -> None:
    assert call("write_file", path="pkg/method.py", content="def run(ctx):\n    return 1\n").ok
    assert call("read_file", path="/workspace/pkg/method.py").content == "def run(ctx):\n    return 1\n"
    assert call("edit_file", path="pkg/method.py", old="return 1", new="return 2").ok
    assert (ctx.workspace / "pkg" / "method.py").read_text() == "def run(ctx):\n    return 2\n"
    listing = call("list_files")
    assert listing.content.splitlines() == ["pkg/", "pkg/method.py  (27 bytes)"]
    assert ".git" not in listing.content


@pytest.mark.parametrize("path", ["../outside.txt", "/etc/passwd", "/workspace/../outside.txt", "a/../../outside.txt",
                                  ".git", "/tmp/x"])
def test_paths_out_of_the_workspace_are_refused(call: CallTool, ctx: ToolContext, path: str) -> None:
    for result in (call("write_file", path=path, content="x"), call("read_file", path=path)):
        assert not result.ok
        assert "outside the workspace" in result.content or ".git" in result.content
    assert not (ctx.workspace.parent / "outside.txt").exists()


def test_symlinks_are_not_followed_out(call: CallTool, ctx: ToolContext, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("labels")
    os.symlink(secret, ctx.workspace / "link.txt")
    os.symlink(tmp_path, ctx.workspace / "linkdir")
    for result in (call("read_file", path="link.txt"), call("write_file", path="link.txt", content="pwned"),
                   call("read_file", path="linkdir/secret.txt"), call("write_file", path="linkdir/new.txt", content="x"),
                   call("list_files", path="linkdir")):
        assert not result.ok and "symbolic link" in result.content
    assert secret.read_text() == "labels" and not (tmp_path / "new.txt").exists()


def test_edit_needs_exactly_one_occurrence(call: CallTool) -> None:
    call("write_file", path="a.py", content="x = 1\nx = 1\n")
    assert "occurs 2 times" in call("edit_file", path="a.py", old="x = 1", new="y").content
    assert "does not occur" in call("edit_file", path="a.py", old="z", new="y").content


def test_missing_binary_and_folder_reads_are_explained(call: CallTool, ctx: ToolContext) -> None:
    (ctx.workspace / "blob.bin").write_bytes(b"\x00\x01\x02")
    (ctx.workspace / "folder").mkdir()
    assert "does not exist" in call("read_file", path="nope.py").content
    assert "binary file" in call("read_file", path="blob.bin").content
    assert "is a directory" in call("read_file", path="folder").content


def test_large_files_are_cut_with_a_note(call: CallTool, ctx: ToolContext) -> None:
    (ctx.workspace / "big.txt").write_text("y" * 150_000)
    result = call("read_file", path="big.txt")
    assert result.ok and result.data["truncated"] and "the file has 150000 bytes" in result.content


def test_is_file_only_for_regular_files_inside(ctx: ToolContext, tmp_path: Path) -> None:
    (ctx.workspace / "m.py").write_text("x")
    (ctx.workspace / "sub").mkdir()
    os.symlink(ctx.workspace / "m.py", ctx.workspace / "link.py")
    confined = ConfinedDir(ctx.workspace)
    assert confined.is_file("m.py") and confined.is_file("/workspace/m.py")
    for path in ("sub", "link.py", "nope.py", "../workspaces/alice/m.py", "/etc/passwd", ""):
        assert not confined.is_file(path), path
