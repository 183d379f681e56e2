"""Replay: serve a transcript's recorded assistant turns in order, with no model calls.

Given a run folder it serves each researcher's own sessions (by the request's researcher, session and turn); given
one transcript file it serves that session. Before serving turn ``t`` it compares the tool results the environment
just gave (the newest user message) with those recorded after turn ``t-1``; where they differ it reports the
divergence (logged, kept in ``divergences``), and with ``on_divergence: stop`` raises :class:`ReplayDiverged`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aar import get_logger
from agents.providers.base import AssistantTurn, Block, ModelRequest, ProviderError, Usage, text_block
from agents.providers.config import ReplayConfig
from agents.transcript import Redactor, read_transcript

log = get_logger(__name__)


class ReplayDiverged(ProviderError):
    """The environment answered a tool call differently from the recording (``on_divergence: stop``)."""


@dataclass(frozen=True)
class Divergence:
    researcher: str
    session: int
    turn: int
    call: int
    tool: str
    recorded: str
    replayed: str

    def describe(self) -> str:
        """Where it happened and the two texts around their first difference."""
        start = next(
            (index for index, (a, b) in enumerate(zip(self.recorded, self.replayed, strict=False)) if a != b),
            min(len(self.recorded), len(self.replayed)),
        )
        window = slice(max(0, start - 40), start + 60)
        return (
            f"{self.researcher} session {self.session} turn {self.turn} call {self.call} ({self.tool}): "
            f"recorded ...{self.recorded[window]!r}..., now ...{self.replayed[window]!r}..."
        )


@dataclass
class RecordedSession:
    responses: dict[int, AssistantTurn]
    tool_results: dict[int, list[dict[str, Any]]]

    @classmethod
    def load(cls, path: Path) -> RecordedSession:
        responses: dict[int, AssistantTurn] = {}
        results: dict[int, list[dict[str, Any]]] = {}
        for record in read_transcript(path):
            if record["kind"] == "response":
                responses[int(record["turn"])] = AssistantTurn.from_dict(record["response"])
            elif record["kind"] == "tool_result":
                results.setdefault(int(record["turn"]), []).append(record)
        return cls(responses, results)


class ReplayProvider:
    name = "replay"

    def __init__(self, config: ReplayConfig) -> None:
        if not config.path.exists():
            raise ProviderError(f"replay: {config.path} does not exist (give a run folder or a transcript file)")
        self.config = config
        self.divergences: list[Divergence] = []
        self._sessions: dict[tuple[str, int], RecordedSession] = {}
        self._redactor = Redactor.from_environment()

    def _session(self, researcher: str, session: int) -> RecordedSession:
        key = (researcher, session) if self.config.path.is_dir() else ("", 0)
        if key not in self._sessions:
            path = self.config.path
            if path.is_dir():
                path = path / "transcripts" / researcher / f"session-{session:04d}.jsonl"
            if not path.is_file():
                raise ProviderError(f"replay: no recorded transcript for {researcher} session {session} at {path}")
            self._sessions[key] = RecordedSession.load(path)
        return self._sessions[key]

    def complete(self, request: ModelRequest) -> AssistantTurn:
        meta = request.meta
        recorded = self._session(meta.researcher, meta.session)
        self._compare(meta.researcher, meta.session, meta.turn, recorded.tool_results.get(meta.turn - 1, []), request)
        turn = recorded.responses.get(meta.turn)
        if turn is None:
            self._report(Divergence(meta.researcher, meta.session, meta.turn, -1, "-", "(session ended)", "(asked for another turn)"))
            return AssistantTurn([text_block("(the recording ends here)")], "end_turn", Usage(), "replay")
        return AssistantTurn(turn.content, turn.stop_reason, turn.usage, turn.model, cost_usd=0.0)

    def _compare(
        self, researcher: str, session: int, turn: int, expected: list[dict[str, Any]], request: ModelRequest
    ) -> None:
        if not expected:
            return
        last = request.messages[-1] if request.messages else {"content": []}
        live: list[Block] = [
            block for block in last.get("content", []) if isinstance(block, dict) and block.get("type") == "tool_result"
        ]
        for index, record in enumerate(expected):
            got = live[index] if index < len(live) else None
            now = self._redactor.text(str(got.get("content", ""))) if got else "(no result)"
            if got is None or now != record.get("content") or bool(got.get("is_error")) != bool(record.get("is_error")):
                self._report(
                    Divergence(researcher, session, turn - 1, index, str(record.get("name")), str(record.get("content")), now)
                )

    def _report(self, divergence: Divergence) -> None:
        self.divergences.append(divergence)
        log.warning("replay diverged from the recording", where=divergence.describe())
        if self.config.on_divergence == "stop":
            raise ReplayDiverged(f"replay diverged: {divergence.describe()}")
