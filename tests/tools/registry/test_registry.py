"""The tool registry: schemas in the Anthropic format, and every failure a result rather than an exception."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tools.registry import Tool, ToolArgs, ToolContext, ToolError, ToolRegistry, ToolResult


class EchoArgs(ToolArgs):
    text: str
    times: int = 1


def _echo(args: EchoArgs, ctx: ToolContext) -> dict[str, Any]:
    if args.times < 0:
        raise ToolError("times must not be negative")
    if args.times > 100:
        raise RuntimeError("boom")
    return {"echo": args.text * args.times, "step": ctx.step_id, "who": ctx.researcher}


@pytest.fixture()
def registry() -> ToolRegistry:
    return ToolRegistry([Tool("echo", "Repeat text.", EchoArgs, _echo),
                         Tool("plain", "Plain text.", EchoArgs, lambda args, ctx: args.text.upper())])


@pytest.fixture()
def ctx(tmp_path: Path) -> ToolContext:
    return ToolContext(researcher="alice", step_id="s7", workspace=tmp_path, sandbox=None, codestore=None,
                       forum=None, notebook_path=tmp_path / "notes.md")


def test_schemas_are_in_the_anthropic_tool_format(registry: ToolRegistry) -> None:
    schema = registry.schemas()[0]
    assert set(schema) == {"name", "description", "input_schema"}
    assert schema["input_schema"]["type"] == "object"
    assert schema["input_schema"]["required"] == ["text"]
    assert schema["input_schema"]["additionalProperties"] is False
    assert "title" not in json.dumps(schema["input_schema"]).replace('"text"', "")


def test_a_good_call_returns_json_text_and_data(registry: ToolRegistry, ctx: ToolContext) -> None:
    result = registry.call("echo", {"text": "ab", "times": 2}, ctx)
    assert result.ok and result.data["echo"] == "abab" and json.loads(result.content) == result.data
    assert registry.call("plain", {"text": "ab"}, ctx) == ToolResult(ok=True, content="AB", data={})


def test_each_call_gets_its_own_stable_step_id(registry: ToolRegistry, ctx: ToolContext) -> None:
    one = registry.call("echo", {"text": "a"}, ctx).data["step"]
    again = registry.call("echo", {"text": "a"}, ctx).data["step"]
    other = registry.call("echo", {"text": "b"}, ctx).data["step"]
    assert one == again != other and one.startswith("s7/echo/")
    assert ctx.step_id == "s7"


@pytest.mark.parametrize(("name", "args", "message"), [
    ("nope", {}, "unknown tool 'nope'; available tools: echo, plain"),
    ("echo", {}, "invalid arguments for tool 'echo': 'text': Field required"),
    ("echo", {"text": "a", "colour": "red"}, "'colour': Extra inputs are not permitted"),
    ("echo", {"text": "a", "times": "many"}, "'times': Input should be a valid integer"),
    ("echo", ["text"], "expected a JSON object, got list"),
    ("echo", {"text": "a", "times": -1}, "echo: times must not be negative"),
    ("echo", {"text": "a", "times": 101}, "echo failed with an internal error: RuntimeError: boom"),
])
def test_failures_are_error_results_never_exceptions(registry: ToolRegistry, ctx: ToolContext, name: str,
                                                      args: Any, message: str) -> None:
    result = registry.call(name, args, ctx)
    assert not result.ok
    assert message in result.content and result.data["error"] == result.content


def test_registering_a_name_twice_is_refused(registry: ToolRegistry) -> None:
    with pytest.raises(ValueError, match="already registered"):
        registry.register(Tool("echo", "again", EchoArgs, _echo))


def test_schemas_are_stable_and_a_caller_may_mark_them(registry: ToolRegistry) -> None:
    marked = registry.schemas()
    marked[-1]["cache_control"] = {"type": "ephemeral"}  # what a provider does for prompt caching
    fresh = registry.schemas()
    assert "cache_control" not in fresh[-1]
    assert json.dumps(fresh) == json.dumps(registry.schemas())  # byte-identical: prompt caches keep hitting
