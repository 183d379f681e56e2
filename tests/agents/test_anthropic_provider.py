"""The Anthropic provider through the real anthropic client, with an httpx2 mock transport instead of the network."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx2
import pytest

from agents.pricing import PriceTable
from agents.providers.anthropic import AnthropicProvider
from agents.providers.base import ModelRequest, ProviderError, ProviderUnavailable
from agents.providers.config import AnthropicConfig
from agents.providers.retry import RetrySettings

TOOLS = [
    {
        "name": "read_file",
        "description": "Read a file.",
        "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}},
    },
    {"name": "write_file", "description": "Write a file.", "input_schema": {"type": "object"}},
]
FAST_RETRY = RetrySettings(max_attempts=3, budget_s=30, initial_wait_s=0.01, max_wait_s=0.05)


def message(content: list[dict[str, Any]], stop_reason: str = "tool_use", **usage: int) -> dict[str, Any]:
    return {
        "id": "msg_test",
        "type": "message",
        "role": "assistant",
        "model": "claude-opus-4-6",
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {
            "input_tokens": 100,
            "output_tokens": 20,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            **usage,
        },
    }


class FakeAPI:
    """Answers each request with the next scripted (status, body, headers) and keeps every request body."""

    def __init__(self, answers: list[tuple[int, dict[str, Any], dict[str, str]]]) -> None:
        self.answers = list(answers)
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.bodies.append(json.loads(request.content))
        self.headers.append(dict(request.headers))
        status, body, headers = self.answers.pop(0)
        return httpx2.Response(status, json=body, headers=headers)


def provider(api: Callable[[httpx2.Request], httpx2.Response], **config: Any) -> AnthropicProvider:
    settings = AnthropicConfig(**{"retry": FAST_RETRY, **config})
    client = httpx2.Client(transport=httpx2.MockTransport(api))
    return AnthropicProvider(settings, PriceTable(), api_key="sk-ant-test-key-0123456789", http_client=client)


def conversation(turns: int) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = [{"role": "user", "content": [{"type": "text", "text": "start"}]}]
    for index in range(turns):
        messages.append(
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": f"t{index}", "name": "read_file", "input": {"path": "a"}}],
            }
        )
        messages.append(
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": f"t{index}", "content": "x", "is_error": False}],
            }
        )
    return messages


def request(turns: int = 2) -> ModelRequest:
    return ModelRequest(system="You are r0.", messages=conversation(turns), tools=TOOLS, max_tokens=1000)


def breakpoints(body: dict[str, Any]) -> list[str]:
    found = [f"tool:{tool['name']}" for tool in body.get("tools", []) if "cache_control" in tool]
    found += ["system" for block in body.get("system", []) if "cache_control" in block]
    for index, entry in enumerate(body["messages"]):
        found += [f"message:{index}" for block in entry["content"] if "cache_control" in block]
    return found


def test_cache_markers_sit_on_the_stable_prefix_and_never_exceed_four() -> None:
    api = FakeAPI([(200, message([{"type": "text", "text": "ok"}], "end_turn"), {})] * 2)
    model = provider(api)
    original = request(turns=2)
    model.complete(original)
    model.complete(request(turns=3))
    first, second = api.bodies
    assert breakpoints(first) == ["tool:write_file", "system", "message:2", "message:4"]
    assert breakpoints(second) == ["tool:write_file", "system", "message:4", "message:6"]
    assert first["system"] == second["system"], "the system prompt must be byte-identical between requests"
    assert all("cache_control" not in block for entry in original.messages for block in entry["content"]), (
        "the caller's messages are not modified"
    )
    sent = api.headers[0].get("x-api-key", "") + api.headers[0].get("authorization", "")
    assert "sk-ant-test-key-0123456789" in sent


def test_usage_and_cost_are_parsed_from_every_bucket() -> None:
    body = message(
        [{"type": "tool_use", "id": "toolu_1", "name": "read_file", "input": {"path": "notes.md"}}],
        input_tokens=1000,
        output_tokens=200,
        cache_creation_input_tokens=3000,
        cache_read_input_tokens=50_000,
    )
    turn = provider(FakeAPI([(200, body, {})])).complete(request())
    assert (turn.usage.input, turn.usage.output, turn.usage.cache_write, turn.usage.cache_read) == (
        1000,
        200,
        3000,
        50_000,
    )
    # claude-opus-4-6: $5 in, $25 out, $6.25 cache write, $0.50 cache read per million tokens
    assert turn.cost_usd == pytest.approx((1000 * 5 + 200 * 25 + 3000 * 6.25 + 50_000 * 0.5) / 1e6)
    assert turn.stop_reason == "tool_use"
    assert turn.tool_calls == [
        {"type": "tool_use", "id": "toolu_1", "name": "read_file", "input": {"path": "notes.md"}}
    ]


@pytest.mark.parametrize(("status", "error_type"), [(429, "rate_limit_error"), (529, "overloaded_error")])
def test_retries_then_succeeds_honouring_retry_after(status: int, error_type: str) -> None:
    error = {"type": "error", "error": {"type": error_type, "message": "slow down"}}
    api = FakeAPI(
        [(status, error, {"retry-after": "0.2"}), (200, message([{"type": "text", "text": "done"}], "end_turn"), {})]
    )
    slow_backoff = FAST_RETRY.model_copy(update={"initial_wait_s": 30.0, "max_wait_s": 60.0})
    model = provider(api, retry=slow_backoff)
    started = time.monotonic()
    turn = model.complete(request())
    waited = time.monotonic() - started
    assert turn.text == "done"
    assert len(api.bodies) == 2, "one failure, one retry: the SDK's own retries are off"
    assert 0.2 <= waited < 5, (
        f"the server's retry-after (0.2 s) sets the wait, not the 30 s backoff; waited {waited:.2f} s"
    )


def test_a_provider_down_past_its_retry_budget_raises_provider_unavailable() -> None:
    error = {"type": "error", "error": {"type": "api_error", "message": "boom"}}
    api = FakeAPI([(500, error, {})] * 3)
    with pytest.raises(ProviderUnavailable, match="3 attempts"):
        provider(api).complete(request())
    assert len(api.bodies) == 3


def test_a_bad_key_is_not_retried() -> None:
    error = {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}
    api = FakeAPI([(401, error, {})])
    with pytest.raises(ProviderError, match="401") as caught:
        provider(api).complete(request())
    assert not isinstance(caught.value, ProviderUnavailable)
    assert len(api.bodies) == 1


def test_a_prompt_too_long_becomes_a_context_window_stop() -> None:
    error = {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "prompt is too long: 210000 tokens > 200000 maximum"},
    }
    turn = provider(FakeAPI([(400, error, {})])).complete(request())
    assert turn.stop_reason == "model_context_window_exceeded"
    assert turn.content == []


def test_pause_turn_is_continued_and_the_content_joined() -> None:
    api = FakeAPI(
        [
            (200, message([{"type": "text", "text": "part one"}], "pause_turn", input_tokens=10, output_tokens=5), {}),
            (200, message([{"type": "text", "text": "part two"}], "end_turn", input_tokens=20, output_tokens=7), {}),
        ]
    )
    turn = provider(api).complete(request())
    assert [block["text"] for block in turn.content] == ["part one", "part two"]
    assert turn.stop_reason == "end_turn"
    assert (turn.usage.input, turn.usage.output) == (30, 12)
    assert api.bodies[1]["messages"][-1] == {"role": "assistant", "content": [{"type": "text", "text": "part one"}]}


def test_a_tool_call_cut_off_at_max_tokens_is_dropped() -> None:
    cut = message(
        [
            {"type": "text", "text": "let me write"},
            {"type": "tool_use", "id": "toolu_9", "name": "write_file", "input": {}},
        ],
        "max_tokens",
    )
    turn = provider(FakeAPI([(200, cut, {})])).complete(request())
    assert turn.stop_reason == "max_tokens"
    assert turn.tool_calls == []
    assert turn.text == "let me write"


def test_a_missing_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(ProviderError, match="ANTHROPIC_API_KEY.*--model scripted"):
        AnthropicProvider(AnthropicConfig(), PriceTable())


def test_a_request_the_api_rejects_ends_only_that_session(lab: Any) -> None:
    from agents import Researcher, list_seeds
    from agents.transcript import read_transcript

    error = {"type": "error", "error": {"type": "invalid_request_error", "message": "messages: roles must alternate"}}
    api = FakeAPI([(400, error, {})])
    researcher = Researcher("r0", provider(api), lab.registry(), lab.run, list_seeds()[0])
    state = researcher.run_session(1, lab.context("r0"))
    assert state.end_reason == "provider_error"
    kinds = [record["kind"] for record in read_transcript(lab.run.transcript("r0", 1))]
    assert kinds == ["session_start", "request", "provider_error", "response", "session_end"]
