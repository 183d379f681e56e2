"""The provider seam: messages and tool schemas in, one assistant turn with tool calls and token usage out.

Messages are Anthropic-shaped, plain JSON-ready dicts, so a conversation can sit in a LangGraph checkpoint or a
transcript line as is: ``{"role": "user"|"assistant", "content": [block, ...]}`` with blocks ``text{text}``,
``tool_use{id, name, input}`` and ``tool_result{tool_use_id, content, is_error}``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, runtime_checkable

Block = dict[str, Any]
Message = dict[str, Any]

# The key of a tool input that could not be parsed (providers whose wire format carries arguments as text).
MALFORMED_ARGUMENTS = "__malformed_arguments__"

# Why a turn ended. The Anthropic names are the shared vocabulary; other providers map onto them.
STOP_REASONS = (
    "end_turn",
    "tool_use",
    "max_tokens",
    "stop_sequence",
    "pause_turn",
    "refusal",
    "model_context_window_exceeded",
)


class ProviderError(RuntimeError):
    """The provider rejected the request for a reason that retrying will not fix (bad key, bad request)."""


class ProviderUnavailable(ProviderError):
    """The provider stayed down past the retry budget: the orchestrator pauses this researcher, not the campaign."""


@dataclass(frozen=True)
class RequestMeta:
    """Who is asking; providers that are not LLMs (scripted, replay) need it, LLM providers ignore it."""

    researcher: str = ""
    session: int = 0
    turn: int = 0


@dataclass(frozen=True)
class ModelRequest:
    system: str
    messages: list[Message]
    tools: list[dict[str, Any]]
    max_tokens: int = 8192
    meta: RequestMeta = field(default_factory=RequestMeta)

    def fingerprint(self) -> str:
        """A hash of everything the model sees, so a transcript can store it instead of the whole request."""
        payload = json.dumps(
            {"system": self.system, "messages": self.messages, "tools": self.tools, "max_tokens": self.max_tokens},
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Usage:
    input: int = 0
    output: int = 0
    cache_write: int = 0
    cache_read: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input + other.input,
            self.output + other.output,
            self.cache_write + other.cache_write,
            self.cache_read + other.cache_read,
        )

    @property
    def context_tokens(self) -> int:
        """How much the conversation occupies in the model's context after this turn."""
        return self.input + self.cache_write + self.cache_read + self.output


@dataclass(frozen=True)
class AssistantTurn:
    content: list[Block]
    stop_reason: str
    usage: Usage
    model: str
    cost_usd: float = 0.0

    @property
    def tool_calls(self) -> list[Block]:
        return [block for block in self.content if block.get("type") == "tool_use"]

    @property
    def text(self) -> str:
        return "\n".join(block.get("text", "") for block in self.content if block.get("type") == "text")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AssistantTurn:
        return cls(
            content=list(data["content"]),
            stop_reason=str(data["stop_reason"]),
            usage=Usage(**data.get("usage", {})),
            model=str(data.get("model", "")),
            cost_usd=float(data.get("cost_usd", 0.0)),
        )


@runtime_checkable
class ModelProvider(Protocol):
    """One backend per file under ``agents/providers/``; chosen by a ``ProviderConfig``."""

    name: str

    def complete(self, request: ModelRequest) -> AssistantTurn: ...


def tool_result_block(tool_use_id: str, content: str, is_error: bool = False) -> Block:
    return {"type": "tool_result", "tool_use_id": tool_use_id, "content": content, "is_error": is_error}


def text_block(text: str) -> Block:
    return {"type": "text", "text": text}


def estimate_tokens(value: Any) -> int:
    """About four characters a token: the offline providers' stand-in for a tokenizer."""
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return max(1, len(text) // 4)
