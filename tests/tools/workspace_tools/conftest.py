"""A researcher's real tool context: a git code store, a SQLite forum and a notebook in a temp run folder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from aar import RunFolder
from tools.codestore import CodeStore
from tools.forum import Forum
from tools.registry import ToolContext, ToolResult
from tools.workspace_tools import default_registry

CallTool = Callable[..., ToolResult]


@pytest.fixture()
def run(run_root: Path) -> RunFolder:
    return RunFolder(run_root)


@pytest.fixture()
def services(run: RunFolder) -> Iterator[tuple[CodeStore, Forum]]:
    forum = Forum(run.forum)
    yield CodeStore(run), forum
    forum.close()


@pytest.fixture()
def make_ctx(run: RunFolder, services: tuple[CodeStore, Forum]) -> Callable[..., ToolContext]:
    codestore, forum = services

    def make(researcher: str = "alice", step_id: str = "step-1", sandbox: Any = None) -> ToolContext:
        return ToolContext(researcher=researcher, step_id=step_id, workspace=codestore.ensure_researcher(researcher),
                           sandbox=sandbox, codestore=codestore, forum=forum, notebook_path=run.notebook(researcher))

    return make


@pytest.fixture()
def ctx(make_ctx: Callable[..., ToolContext]) -> ToolContext:
    return make_ctx()


@pytest.fixture()
def call(ctx: ToolContext) -> CallTool:
    registry = default_registry()

    def call_tool(name: str, context: ToolContext | None = None, **args: Any) -> ToolResult:
        return registry.call(name, args, context or ctx)

    return call_tool
