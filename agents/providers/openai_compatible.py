"""Any chat-completions endpoint with tools (vLLM, Ollama, other vendors) by base URL and model name.

Converts the shared Anthropic-shaped messages to chat-completions messages and back. Arguments that are not a JSON
object come back as a tool call whose input says so, and the researcher answers it with an error tool result.
"""

from __future__ import annotations

import json
import os
from typing import Any

import httpx2
import openai

from agents.pricing import PriceTable
from agents.providers.base import (
    MALFORMED_ARGUMENTS,
    AssistantTurn,
    Block,
    Message,
    ModelRequest,
    ProviderError,
    Usage,
)
from agents.providers.config import OpenAICompatibleConfig, missing_key_message
from agents.providers.retry import call_with_retries, retryable_errors

FINISH_REASONS = {
    "stop": "end_turn",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "length": "max_tokens",
    "content_filter": "refusal",
}


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "\n".join(block.get("text", "") for block in content if block.get("type") == "text")


def to_chat_messages(system: str, messages: list[Message]) -> list[dict[str, Any]]:
    chat: list[dict[str, Any]] = [{"role": "system", "content": system}] if system else []
    for message in messages:
        blocks = (
            [{"type": "text", "text": message["content"]}]
            if isinstance(message["content"], str)
            else message["content"]
        )
        if message["role"] == "assistant":
            entry: dict[str, Any] = {"role": "assistant", "content": _text_of(blocks) or None}
            calls = [
                {
                    "id": block["id"],
                    "type": "function",
                    "function": {"name": block["name"], "arguments": json.dumps(block["input"])},
                }
                for block in blocks
                if block.get("type") == "tool_use"
            ]
            if calls:
                entry["tool_calls"] = calls
            chat.append(entry)
            continue
        for block in blocks:
            if block.get("type") == "tool_result":
                content = block.get("content", "")
                text = content if isinstance(content, str) else _text_of(content)
                if block.get("is_error"):  # chat completions have no error flag on a tool message
                    text = f"[tool error] {text}"
                chat.append({"role": "tool", "tool_call_id": block["tool_use_id"], "content": text})
        text = _text_of(blocks)
        if text:
            chat.append({"role": "user", "content": text})
    return chat


def to_chat_tools(tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {
                "name": tool["name"],
                "description": tool.get("description", ""),
                "parameters": tool["input_schema"],
            },
        }
        for tool in tools
    ]


def parse_arguments(raw: str | None) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except json.JSONDecodeError as error:
        return {MALFORMED_ARGUMENTS: f"arguments are not valid JSON ({error.msg} at {error.pos}): {raw!r}"}
    if not isinstance(value, dict):
        return {MALFORMED_ARGUMENTS: f"arguments must be a JSON object, got {type(value).__name__}: {raw!r}"}
    return value


def from_chat_response(response: Any) -> tuple[list[Block], str]:
    choice = response.choices[0]
    blocks: list[Block] = []
    if choice.message.content:
        blocks.append({"type": "text", "text": choice.message.content})
    for call in choice.message.tool_calls or []:
        blocks.append(
            {
                "type": "tool_use",
                "id": call.id,
                "name": call.function.name,
                "input": parse_arguments(call.function.arguments),
            }
        )
    stop_reason = FINISH_REASONS.get(choice.finish_reason or "stop", "end_turn")
    if blocks and any(block["type"] == "tool_use" for block in blocks):
        stop_reason = "tool_use"  # some servers say "stop" after tool calls
    return blocks, stop_reason


# Lost connections and timeouts included (the SDK's timeout error is a connection error).
is_retryable = retryable_errors(openai.APIConnectionError, openai.APIStatusError)


class OpenAICompatibleProvider:
    name = "openai_compatible"

    def __init__(
        self, config: OpenAICompatibleConfig, prices: PriceTable, *, http_client: httpx2.Client | None = None
    ) -> None:
        key = os.environ.get(config.api_key_env) if config.api_key_env else "no-key"
        if not key:
            raise ProviderError(missing_key_message(str(config.api_key_env)))
        self.config = config
        self.prices = prices
        self.client = openai.OpenAI(
            api_key=key, base_url=config.base_url, timeout=config.timeout_s, max_retries=0, http_client=http_client
        )

    def complete(self, request: ModelRequest) -> AssistantTurn:
        params: dict[str, Any] = {
            "model": self.config.model,
            "messages": to_chat_messages(request.system, request.messages),
            "max_tokens": request.max_tokens,
        }
        if request.tools:
            params["tools"] = to_chat_tools(request.tools)
        try:
            response = call_with_retries(
                lambda: self.client.chat.completions.create(**params), is_retryable, self.config.retry, self.name
            )
        except openai.APIStatusError as error:
            if error.status_code == 400 and "context" in str(error).lower():
                return AssistantTurn([], "model_context_window_exceeded", Usage(), self.config.model)
            raise ProviderError(f"{self.name} at {self.config.base_url}: HTTP {error.status_code}: {error}") from error
        blocks, stop_reason = from_chat_response(response)
        return self.prices.turn(self.config.model, blocks, stop_reason, self._usage(response))

    @staticmethod
    def _usage(response: Any) -> Usage:
        usage = response.usage
        if usage is None:
            return Usage()
        details = getattr(usage, "prompt_tokens_details", None)
        cached = int(getattr(details, "cached_tokens", 0) or 0)
        return Usage(input=(usage.prompt_tokens or 0) - cached, output=usage.completion_tokens or 0, cache_read=cached)
