"""Claude through the anthropic SDK's Messages API with tool use and prompt caching.

Caching: ``cache_control`` marks the stable prefix (the last tool, the system prompt, and the last blocks of the
newest and the previous user turns: four breakpoints, the API's maximum), so each request reads what the one before
wrote. The system prompt holds nothing that changes between requests, or every request would miss.
"""

from __future__ import annotations

import os
from typing import Any

import anthropic
import httpx2

from aar import get_logger
from agents.pricing import PriceTable
from agents.providers.base import AssistantTurn, Block, Message, ModelRequest, ProviderError, Usage
from agents.providers.config import AnthropicConfig, missing_key_message
from agents.providers.retry import call_with_retries, retryable_errors

log = get_logger(__name__)

EPHEMERAL = {"type": "ephemeral"}
CONTEXT_TOO_LONG_HINTS = ("prompt is too long", "context window", "too many tokens")


def _marked(block: Block) -> Block:
    return {**block, "cache_control": EPHEMERAL}


def _as_blocks(content: Any) -> list[Block]:
    return [{"type": "text", "text": content}] if isinstance(content, str) else list(content)


def cache_marked_messages(messages: list[Message]) -> list[Message]:
    """Copies of ``messages`` with a breakpoint on the last block of the newest and the previous user turn."""
    user_turns = [index for index, message in enumerate(messages) if message["role"] == "user"][-2:]
    marked = list(messages)
    for index in user_turns:
        blocks = _as_blocks(messages[index]["content"])
        if blocks:
            marked[index] = {**messages[index], "content": [*blocks[:-1], _marked(blocks[-1])]}
    return marked


def response_blocks(message: Any) -> list[Block]:
    blocks: list[Block] = []
    for block in message.content:
        if block.type == "text":
            blocks.append({"type": "text", "text": block.text})
        elif block.type == "tool_use":
            blocks.append({"type": "tool_use", "id": block.id, "name": block.name, "input": block.input})
        else:  # server tools, thinking: sent back untouched
            blocks.append(block.model_dump(exclude_none=True))
    return blocks


def usage_of(message: Any) -> Usage:
    usage = message.usage
    return Usage(
        input=usage.input_tokens or 0,
        output=usage.output_tokens or 0,
        cache_write=usage.cache_creation_input_tokens or 0,
        cache_read=usage.cache_read_input_tokens or 0,
    )


# Lost connections and timeouts included (the SDK's timeout error is a connection error).
is_retryable = retryable_errors(anthropic.APIConnectionError, anthropic.APIStatusError)


class AnthropicProvider:
    name = "anthropic"

    def __init__(
        self,
        config: AnthropicConfig,
        prices: PriceTable,
        *,
        api_key: str | None = None,
        http_client: httpx2.Client | None = None,
    ) -> None:
        key = api_key or os.environ.get(config.api_key_env)
        if not key:
            raise ProviderError(missing_key_message(config.api_key_env))
        self.config = config
        self.prices = prices
        self.client = anthropic.Anthropic(
            api_key=key, base_url=config.base_url, timeout=config.timeout_s, max_retries=0, http_client=http_client
        )

    def request_params(self, request: ModelRequest, messages: list[Message]) -> dict[str, Any]:
        params: dict[str, Any] = {
            "model": self.config.model,
            "max_tokens": request.max_tokens,
            "messages": cache_marked_messages(messages),
        }
        if request.system:
            params["system"] = [{"type": "text", "text": request.system, "cache_control": EPHEMERAL}]
        if request.tools:
            params["tools"] = [*request.tools[:-1], _marked(request.tools[-1])]
        return params

    def _create(self, params: dict[str, Any]) -> Any:
        return call_with_retries(
            lambda: self.client.messages.create(**params), is_retryable, self.config.retry, self.name
        )

    def complete(self, request: ModelRequest) -> AssistantTurn:
        content: list[Block] = []
        usage = Usage()
        stop_reason = "end_turn"
        messages = list(request.messages)
        for _ in range(self.config.max_pause_continuations + 1):
            try:
                message = self._create(self.request_params(request, messages))
            except anthropic.BadRequestError as error:
                if any(hint in str(error).lower() for hint in CONTEXT_TOO_LONG_HINTS):
                    stop_reason = "model_context_window_exceeded"
                    break
                raise ProviderError(f"{self.name}: the API rejected the request: {error}") from error
            except anthropic.APIStatusError as error:  # not retryable (401, 403, 404...)
                raise ProviderError(f"{self.name}: HTTP {error.status_code}: {error}") from error
            content.extend(response_blocks(message))
            usage = usage + usage_of(message)
            stop_reason = message.stop_reason or "end_turn"
            if stop_reason != "pause_turn":
                break
            # A paused server-side turn continues when it is sent back as the last assistant message.
            messages = [*request.messages, {"role": "assistant", "content": list(content)}]
        if stop_reason == "max_tokens" and content and content[-1].get("type") == "tool_use":
            log.warning("dropping a tool call cut off at max_tokens", tool=content[-1].get("name"))
            content = content[:-1]
        return self.prices.turn(self.config.model, content, stop_reason, usage)
