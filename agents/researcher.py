"""The researcher loop: a model step and a tool step, repeated within a session bounded by steps, wall time and
context size; the notebook carries memory from one session to the next.

The orchestrator's researcher subgraph calls :meth:`Researcher.model_step` as its model node and
:meth:`Researcher.tool_step` as its tool node, keeping :class:`SessionState` (JSON-ready via ``to_dict``) in its
checkpointed state; :meth:`Researcher.run_session` is the same loop for standalone use (tests, replay, bench).
Every tool call gets a step id ``<researcher>:s<session>:t<turn>:c<call>``, so a tool node re-run after a crash
repeats no side effect (the tools are idempotent by step id).
"""

from __future__ import annotations

import copy
import dataclasses
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from aar import RunFolder, get_logger
from agents.prompts import MAX_TOKENS_MESSAGE, WRAP_UP_MESSAGE, render_session_start, render_system_prompt
from agents.providers.base import (
    MALFORMED_ARGUMENTS,
    AssistantTurn,
    Block,
    Message,
    ModelProvider,
    ModelRequest,
    ProviderError,
    ProviderUnavailable,
    RequestMeta,
    Usage,
    text_block,
    tool_result_block,
)
from agents.seeds import Seed
from agents.transcript import Redactor, TranscriptWriter, read_transcript

log = get_logger(__name__)

# Turns that end a session unless they carry tool calls.
FINAL_STOPS = {"end_turn": "end_turn", "stop_sequence": "end_turn", "refusal": "refusal"}


class SessionLimits(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_steps: int = Field(default=40, ge=2, description="model turns per session, the wrap-up turn included")
    max_wall_s: float = Field(default=3600.0, gt=0, description="wall-clock seconds per session")
    max_context_tokens: int = Field(
        default=150_000, gt=0, description="end the session once the context grows past this"
    )
    max_tokens_per_turn: int = Field(default=8192, gt=0, description="output tokens per model turn")


class ToolResultLike(Protocol):
    ok: bool
    content: str


class ToolRunner(Protocol):
    """What ``tools.registry.ToolRegistry`` offers the loop."""

    def schemas(self) -> list[dict[str, Any]]: ...

    def call(self, name: str, args: dict[str, Any], ctx: Any) -> ToolResultLike: ...


@dataclass
class SessionState:
    researcher: str
    session: int
    messages: list[Message]
    turn: int = 0
    started_at: float = field(default_factory=time.time)
    usage: Usage = field(default_factory=Usage)
    context_tokens: int = 0
    cost_usd: float = 0.0
    model_seconds: float = 0.0
    tool_seconds: float = 0.0
    recorded_messages: int = 0  # messages already written to the transcript
    wrap_up_reason: str | None = None  # a limit was reached: the next turn is the last
    end_reason: str | None = None

    @property
    def done(self) -> bool:
        return self.end_reason is not None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SessionState:
        return cls(**{**data, "usage": Usage(**data.get("usage", {}))})


def answered_requests(path: Path) -> dict[str, AssistantTurn]:
    """Request hash -> the turn recorded for it, from an existing transcript (a session being resumed)."""
    return {
        str(record["request_hash"]): AssistantTurn.from_dict(record["response"])
        for record in read_transcript(path)
        if record["kind"] == "response" and "request_hash" in record
    }


def step_id(researcher: str, session: int, turn: int, call: int) -> str:
    return f"{researcher}:s{session}:t{turn}:c{call}"


def with_step_id(ctx: Any, value: str) -> Any:
    """The tool context for one call: the same context with its own step id."""
    if dataclasses.is_dataclass(ctx) and not isinstance(ctx, type):
        return dataclasses.replace(ctx, step_id=value)
    if hasattr(ctx, "model_copy"):
        return ctx.model_copy(update={"step_id": value})
    clone = copy.copy(ctx)
    clone.step_id = value
    return clone


class Researcher:
    def __init__(
        self,
        name: str,
        provider: ModelProvider,
        tools: ToolRunner,
        run: RunFolder,
        seed: Seed,
        limits: SessionLimits | None = None,
        tasks: list[str] | tuple[str, ...] = (),
        redactor: Redactor | None = None,
    ) -> None:
        self.name = name
        self.provider = provider
        self.tools = tools
        self.run = run
        self.seed = seed
        self.limits = limits or SessionLimits()
        self.system_prompt = render_system_prompt(name, seed, tasks)
        self.tool_schemas = tools.schemas()
        self.tool_names = {schema["name"] for schema in self.tool_schemas}
        self.redactor = redactor or Redactor.from_environment()
        self._writers: dict[int, TranscriptWriter] = {}
        self._answered: dict[int, dict[str, AssistantTurn]] = {}
        self.log = log.bind(researcher=name)

    # -- transcripts ------------------------------------------------------------------------------
    def transcript(self, session: int) -> TranscriptWriter:
        if session not in self._writers:
            path = self.run.transcript(self.name, session)
            self._answered[session] = answered_requests(path) if path.exists() else {}
            self._writers[session] = TranscriptWriter(path, self.redactor)
        return self._writers[session]

    def _record_new_messages(self, state: SessionState, request_hash: str) -> None:
        self.transcript(state.session).write(
            "request",
            turn=state.turn,
            request_hash=request_hash,
            new_messages=state.messages[state.recorded_messages :],
        )
        state.recorded_messages = len(state.messages)

    def _ask(self, state: SessionState, request: ModelRequest, request_hash: str) -> tuple[AssistantTurn, bool]:
        """The provider's answer, or the one already recorded for this very request (a step re-run after a
        crash between the response and the checkpoint is not paid for twice)."""
        recorded = self._answered.get(state.session, {}).get(request_hash)
        if recorded is not None:
            return recorded, True
        try:
            return self.provider.complete(request), False
        except ProviderUnavailable as error:
            self.transcript(state.session).write("provider_unavailable", turn=state.turn, error=str(error))
            state.turn -= 1  # the same turn is asked again when the researcher resumes
            raise
        except ProviderError as error:
            # A request the provider will never accept: this session cannot go on, the next one starts afresh.
            self.log.error("provider refused the request; ending the session", error=str(error))
            self.transcript(state.session).write("provider_error", turn=state.turn, error=str(error))
            return AssistantTurn([], "provider_error", Usage(), getattr(self.provider, "name", "?")), False

    # -- a session --------------------------------------------------------------------------------
    def _read_tool(self, name: str, args: dict[str, Any], ctx: Any, session: int) -> str:
        if name not in self.tool_names:
            return ""
        result = self.tools.call(name, args, with_step_id(ctx, f"{self.name}:s{session}:start:{name}"))
        return result.content if result.ok else f"(unavailable: {result.content})"

    def start_session(self, session: int, ctx: Any) -> SessionState:
        """A fresh conversation whose first message holds the notebook, the forum feed and the leaderboard."""
        self.redactor.add_run_secrets(self.run)  # tokens issued since the last session included
        notebook = self._read_tool("notebook_read", {}, ctx, session)
        feed = self._read_tool("forum_feed", {"limit": 20}, ctx, session)
        leaderboard = self._read_tool("leaderboard", {"limit": 10}, ctx, session)
        opening = render_session_start(session, notebook, feed, leaderboard, self.limits.max_steps)
        state = SessionState(
            researcher=self.name, session=session, messages=[{"role": "user", "content": [text_block(opening)]}]
        )
        self.transcript(session).write(
            "session_start",
            researcher=self.name,
            session=session,
            provider=self.provider.name,
            seed=self.seed.name,
            system=self.system_prompt,
            tools=sorted(self.tool_names),
        )
        self.log.info("session started", session=session)
        return state

    def model_step(self, state: SessionState) -> AssistantTurn:
        """Ask the model for the next turn and add it to the conversation; ends the session on a final stop."""
        if state.done:
            raise RuntimeError(f"{self.name}: session {state.session} is already over ({state.end_reason})")
        state.turn += 1
        request = ModelRequest(
            system=self.system_prompt,
            messages=list(state.messages),  # a snapshot: the conversation grows after the call
            tools=self.tool_schemas,
            max_tokens=self.limits.max_tokens_per_turn,
            meta=RequestMeta(self.name, state.session, state.turn),
        )
        request_hash = request.fingerprint()
        self._record_new_messages(state, request_hash)
        started = time.perf_counter()
        turn, reused = self._ask(state, request, request_hash)
        seconds = time.perf_counter() - started
        state.model_seconds += seconds
        state.usage = state.usage + turn.usage
        state.cost_usd += turn.cost_usd
        state.context_tokens = turn.usage.context_tokens or state.context_tokens
        self.transcript(state.session).write(
            "response",
            turn=state.turn,
            request_hash=request_hash,
            response=turn.to_dict(),
            seconds=round(seconds, 4),
            reused=reused,
        )
        if turn.content:
            state.messages.append({"role": "assistant", "content": turn.content})
            state.recorded_messages = len(state.messages)
        self._after_turn(state, turn)
        return turn

    def _after_turn(self, state: SessionState, turn: AssistantTurn) -> None:
        if turn.tool_calls:
            return  # the tool step answers them, then checks the limits
        if turn.stop_reason == "model_context_window_exceeded":
            self._finish(state, "context_window")
        elif turn.stop_reason == "provider_error":
            self._finish(state, "provider_error")
        elif not turn.content:
            self._finish(state, f"empty_turn:{turn.stop_reason}")
        elif state.wrap_up_reason is not None:
            self._finish(state, state.wrap_up_reason)
        elif turn.stop_reason in FINAL_STOPS:
            self._finish(state, FINAL_STOPS[turn.stop_reason])
        else:  # max_tokens or pause_turn with nothing to run: ask it to go on
            self._check_limits(state)
            state.messages.append(
                {"role": "user", "content": [text_block(self._next_user_text(state, MAX_TOKENS_MESSAGE))]}
            )

    def tool_step(self, state: SessionState, turn: AssistantTurn, ctx: Any) -> list[Block]:
        """Run the turn's tool calls and add their results to the conversation; ends the session at its limits."""
        if not turn.tool_calls:
            return []
        results: list[Block] = []
        for index, call in enumerate(turn.tool_calls):
            started = time.perf_counter()
            call_id = step_id(self.name, state.session, state.turn, index)
            content, is_error = self._run_tool(call, ctx, call_id)
            seconds = time.perf_counter() - started
            state.tool_seconds += seconds
            results.append(tool_result_block(call["id"], content or "(no output)", is_error))
            self.transcript(state.session).write(
                "tool_result",
                turn=state.turn,
                call=index,
                step_id=call_id,
                name=call.get("name"),
                input=call.get("input"),
                content=content,
                is_error=is_error,
                seconds=round(seconds, 4),
            )
        last_turn = state.wrap_up_reason is not None
        self._check_limits(state)
        extra = [text_block(self._next_user_text(state, ""))] if state.wrap_up_reason and not last_turn else []
        state.messages.append({"role": "user", "content": [*results, *extra]})
        if last_turn:
            self._finish(state, str(state.wrap_up_reason))
        return results

    def _run_tool(self, call: Block, ctx: Any, call_id: str) -> tuple[str, bool]:
        name, args = call.get("name"), call.get("input")
        if name not in self.tool_names:
            return f"error: unknown tool {name!r}; the tools are: {', '.join(sorted(self.tool_names))}", True
        if not isinstance(args, dict):
            return f"error: the input of {name} must be a JSON object, got {type(args).__name__}", True
        if MALFORMED_ARGUMENTS in args:
            return f"error: malformed call to {name}: {args[MALFORMED_ARGUMENTS]}", True
        try:
            result = self.tools.call(str(name), args, with_step_id(ctx, call_id))
        except Exception as error:  # a tool bug must not end the researcher's session
            self.log.exception("tool raised", tool=name, step_id=call_id)
            return f"error: {name} failed inside the framework: {type(error).__name__}: {error}", True
        return result.content, not result.ok

    def _check_limits(self, state: SessionState) -> None:
        if state.wrap_up_reason is not None:
            return
        if state.turn >= self.limits.max_steps - 1:
            state.wrap_up_reason = "max_steps"
        elif time.time() - state.started_at >= self.limits.max_wall_s:
            state.wrap_up_reason = "max_wall_s"
        elif state.context_tokens >= self.limits.max_context_tokens:
            state.wrap_up_reason = "max_context_tokens"

    def _next_user_text(self, state: SessionState, text: str) -> str:
        if state.wrap_up_reason is None:
            return text
        return "\n\n".join(part for part in (text, WRAP_UP_MESSAGE.format(reason=state.wrap_up_reason)) if part)

    def end_session(self, state: SessionState, reason: str) -> None:
        """End a session from outside (a budget, a stop request); a session already over is left as it is."""
        if not state.done:
            self._finish(state, reason)

    def _finish(self, state: SessionState, reason: str) -> None:
        state.end_reason = reason
        writer = self.transcript(state.session)
        writer.write(
            "session_end",
            reason=reason,
            turns=state.turn,
            usage=asdict(state.usage),
            cost_usd=round(state.cost_usd, 6),
            seconds=round(time.time() - state.started_at, 3),
        )
        writer.close()
        self._writers.pop(state.session, None)
        self.log.info("session ended", session=state.session, reason=reason, turns=state.turn, cost_usd=state.cost_usd)

    def run_session(self, session: int, ctx: Any) -> SessionState:
        """One whole session, for standalone use: the orchestrator runs the same two steps as graph nodes."""
        state = self.start_session(session, ctx)
        while not state.done:
            turn = self.model_step(state)
            if not state.done:
                self.tool_step(state, turn, ctx)
        return state
