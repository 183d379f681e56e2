"""The agent tool registry: named tools with a JSON schema and a handler, called without ever raising.

A tool's arguments are a pydantic model (``extra="forbid"``); its JSON schema, in the Anthropic tool format,
is derived from that model. ``ToolRegistry.call`` turns every failure (unknown tool, bad arguments, a
handler's :class:`ToolError`, any other exception) into a ``ToolResult(ok=False, ...)`` whose text tells the
model what went wrong, so one bad call never ends an agent loop.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, ConfigDict, ValidationError

from aar import get_logger

if TYPE_CHECKING:
    from tools.codestore import CodeStore
    from tools.forum import Forum

log = get_logger(__name__)


class ToolArgs(BaseModel):
    """Base of every tool's argument model: unknown arguments are an error the model is told about."""

    model_config = ConfigDict(extra="forbid")


class ToolError(Exception):
    """An expected failure a handler reports to the model (file not found, path outside the workspace...)."""


@dataclass
class ToolResult:
    ok: bool
    content: str
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def error(cls, message: str, **data: Any) -> ToolResult:
        return cls(ok=False, content=message, data={"error": message, **data})

    @classmethod
    def structured(cls, data: dict[str, Any]) -> ToolResult:
        """A successful result whose text is the JSON of ``data`` (what structured tools return)."""
        return cls(ok=True, content=json.dumps(data, ensure_ascii=False, default=str), data=data)


# -- the services a handler may use (Protocols, so that tools/ never imports the orchestrator) ------------


class ExecOutcome(Protocol):
    exit_code: int
    output: str
    timed_out: bool
    truncated: bool
    seconds: float


class SandboxLike(Protocol):
    def exec(self, command: str, timeout_s: float, cwd: str = "/workspace") -> ExecOutcome: ...


class ExperimentsLike(Protocol):
    def submit(self, researcher: str, method_path: str, task: str | None, seeds: Sequence[int] | None,
               step_id: str) -> str: ...

    def status(self, experiment_id: str) -> Any: ...

    def wait(self, experiment_id: str, timeout_s: float) -> Any: ...


class ScorerLike(Protocol):
    def leaderboard(self, private: bool = False) -> Any: ...


@dataclass
class ToolContext:
    """Everything a tool call may touch, for one researcher.

    ``step_id`` names the agent step (stable across a resume or a replay). The registry hands each handler a
    copy whose ``step_id`` is narrowed to the one call (step, tool name, arguments), so idempotent writes
    keyed on it (forum posts, workspace commits, experiment submissions) happen once per call even when
    one step makes several calls.
    """

    researcher: str
    step_id: str
    workspace: Path
    sandbox: SandboxLike | None
    codestore: CodeStore | None
    forum: Forum | None
    notebook_path: Path
    experiments: ExperimentsLike | None = None
    scorer: ScorerLike | None = None


Handler = Callable[[Any, ToolContext], "ToolResult | str | dict[str, Any]"]


@dataclass(frozen=True)
class Tool:
    """``input_schema`` is the pydantic model of the arguments; the handler receives a validated instance.

    A handler returns a ToolResult, a string (plain text) or a dict (sent as JSON text, kept in ``data``),
    and raises :class:`ToolError` for failures the model should read.
    """

    name: str
    description: str
    input_schema: type[BaseModel]
    handler: Handler

    @functools.cached_property
    def _json_schema(self) -> dict[str, Any]:
        return _strip_titles(self.input_schema.model_json_schema())  # ~0.5 ms each: built once

    def schema(self) -> dict[str, Any]:
        """The Anthropic tool definition ``{name, description, input_schema}`` (a fresh outer dict each call,
        so a caller may add keys such as ``cache_control``)."""
        return {"name": self.name, "description": self.description, "input_schema": self._json_schema}


def _strip_titles(schema: Any) -> Any:
    """Drop pydantic's auto-generated ``title`` keys: they cost tokens and tell the model nothing."""
    if isinstance(schema, dict):
        return {key: _strip_titles(value) for key, value in schema.items()
                if not (key == "title" and isinstance(value, str))}
    if isinstance(schema, list):
        return [_strip_titles(item) for item in schema]
    return schema


def _describe_errors(tool: str, error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(arguments)"
        problems.append(f"'{where}': {item['msg']}")
    return f"invalid arguments for tool '{tool}': " + "; ".join(problems)


def call_step_id(step_id: str, name: str, args: dict[str, Any]) -> str:
    """The idempotency key of one call: the same step, tool and arguments always give the same key."""
    digest = hashlib.sha256(json.dumps(args, sort_keys=True, default=str).encode()).hexdigest()[:12]
    return f"{step_id}/{name}/{digest}"


class ToolRegistry:
    def __init__(self, tools: Sequence[Tool] = ()) -> None:
        self._tools: dict[str, Tool] = {}
        for tool in tools:
            self.register(tool)

    def register(self, tool: Tool) -> None:
        if tool.name in self._tools:
            raise ValueError(f"tool '{tool.name}' is already registered")
        self._tools[tool.name] = tool

    def names(self) -> list[str]:
        return list(self._tools)

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def schemas(self) -> list[dict[str, Any]]:
        return [tool.schema() for tool in self._tools.values()]

    def call(self, name: str, args: Any, ctx: ToolContext) -> ToolResult:
        """Run one tool call. Never raises: every failure is a ``ToolResult(ok=False)`` naming what was wrong."""
        tool = self._tools.get(name)
        if tool is None:
            return ToolResult.error(f"unknown tool '{name}'; available tools: {', '.join(self._tools)}")
        if not isinstance(args, dict):
            return ToolResult.error(
                f"invalid arguments for tool '{name}': expected a JSON object, got {type(args).__name__}")
        try:
            parsed = tool.input_schema.model_validate(args)
        except ValidationError as error:
            return ToolResult.error(_describe_errors(name, error))
        call_ctx = replace(ctx, step_id=call_step_id(ctx.step_id, name, args))
        try:
            return _as_result(tool.handler(parsed, call_ctx))
        except ToolError as error:
            return ToolResult.error(f"{name}: {error}")
        except Exception as error:  # a bug or an outage must reach the model as text, not end the loop
            log.exception("tool handler failed", tool=name, researcher=ctx.researcher)
            return ToolResult.error(f"{name} failed with an internal error: {type(error).__name__}: {error}")


def _as_result(value: ToolResult | str | dict[str, Any]) -> ToolResult:
    if isinstance(value, ToolResult):
        return value
    if isinstance(value, dict):
        return ToolResult.structured(value)
    return ToolResult(ok=True, content=str(value))
