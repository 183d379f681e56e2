"""Replay: serve a transcript's recorded assistant turns in order, with no model calls.

Given a run folder it serves each researcher's own sessions (by the request's researcher, session and turn); given
one transcript file it serves that session. Before serving turn ``t`` it compares the tool results the environment
just gave (the newest user message) with those recorded after turn ``t-1``; where they differ it reports the
divergence (logged, kept in ``divergences``), and with ``on_divergence: stop`` raises :class:`ReplayDiverged`.

A re-run environment cannot repeat everything: timestamps and durations differ, and so do identifiers it makes up
(experiment ids, git commit ids, which depend on the time). Such values are masked when results are compared, and
an identifier that differs in the same place is mapped from its recorded value to its live one, so the recorded
turns that mention it (``wait_experiment{experiment_id}``, ``code_show{ref}``) are served with the live value.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aar import get_logger
from agents.providers.base import AssistantTurn, Block, ModelRequest, ProviderError, Usage, text_block
from agents.providers.config import ReplayConfig
from agents.transcript import Redactor, read_transcript

log = get_logger(__name__)


VOLATILE = [
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?"), "<time>"),
    (
        re.compile(r'("(?:time|created_at|updated_at|started_at|finished_at|seconds)"\s*:\s*)-?[\d.]+(?:e-?\d+)?'),
        r"\1<time>",
    ),
    (re.compile(r"\b\d+(?:\.\d+)?s\]"), "<s>]"),  # run_command's "[exit code 0, 0.4s]"
    # Whether an experiment had started by the time it was looked at depends on timing; both mean "not finished".
    (re.compile(r'("state"\s*:\s*)"(?:queued|running)"'), r'\1"<pending>"'),
]
IDENTIFIER = re.compile(r"\b(exp-[0-9a-f]{6,}|[0-9a-f]{40})\b")


def mask_volatile(text: str) -> str:
    for pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return text


@dataclass
class IdentifierMap:
    """Recorded identifiers -> the live ones that took their place."""

    live_of: dict[str, str] = field(default_factory=dict)

    def matches(self, recorded: str, live: str) -> bool:
        """Whether two results agree up to volatile values and identifiers; learns the identifier pairs if so."""
        recorded_parts = IDENTIFIER.split(mask_volatile(recorded))
        live_parts = IDENTIFIER.split(mask_volatile(live))
        if len(recorded_parts) != len(live_parts):
            return False
        learned: dict[str, str] = {}
        for index, (old, new) in enumerate(zip(recorded_parts, live_parts, strict=True)):
            if index % 2 == 0:
                if old != new:
                    return False
            elif self.live_of.get(old, learned.get(old, new)) != new:
                return False
            else:
                learned[old] = new
        self.live_of.update(learned)
        return True

    @staticmethod
    def aligned(recorded: str, live: str) -> str:
        """The recorded text, masked, with identifiers replaced by the live ones in the same places: what is
        left different is the real divergence."""
        recorded_parts = IDENTIFIER.split(mask_volatile(recorded))
        live_parts = IDENTIFIER.split(mask_volatile(live))
        if len(recorded_parts) != len(live_parts):
            return mask_volatile(recorded)
        return "".join(
            new if index % 2 else old for index, (old, new) in enumerate(zip(recorded_parts, live_parts, strict=True))
        )

    def apply(self, content: list[Block]) -> list[Block]:
        changed = {old: new for old, new in self.live_of.items() if old != new}
        if not changed:
            return content
        text = json.dumps(content)
        text = IDENTIFIER.sub(lambda match: changed.get(match[0], match[0]), text)
        return list(json.loads(text))


class ReplayDiverged(RuntimeError):
    """The environment answered a tool call differently from the recording (``on_divergence: stop``): the
    replay stops, rather than ending one session and going on like a provider error would."""


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
        # A step re-run after a crash is recorded twice: the later record is the one the run went on with.
        responses: dict[int, AssistantTurn] = {}
        results: dict[int, dict[int, dict[str, Any]]] = {}
        for record in read_transcript(path):
            if record["kind"] == "response":
                responses[int(record["turn"])] = AssistantTurn.from_dict(record["response"])
            elif record["kind"] == "tool_result":
                results.setdefault(int(record["turn"]), {})[int(record["call"])] = record
        return cls(responses, {turn: [calls[index] for index in sorted(calls)] for turn, calls in results.items()})


class ReplayProvider:
    name = "replay"

    def __init__(self, config: ReplayConfig) -> None:
        if not config.path.exists():
            raise ProviderError(f"replay: {config.path} does not exist (give a run folder or a transcript file)")
        self.config = config
        self.divergences: list[Divergence] = []
        self._sessions: dict[tuple[str, int], RecordedSession] = {}
        self._redactor = Redactor.from_environment()
        self.identifiers = IdentifierMap()

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
            self._report(
                Divergence(
                    meta.researcher, meta.session, meta.turn, -1, "-", "(session ended)", "(asked for another turn)"
                )
            )
            return AssistantTurn([text_block("(the recording ends here)")], "end_turn", Usage(), "replay")
        content = self.identifiers.apply(turn.content)
        return AssistantTurn(content, turn.stop_reason, turn.usage, turn.model, cost_usd=0.0)

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
            same_error = got is not None and bool(got.get("is_error")) == bool(record.get("is_error"))
            if not (same_error and self.identifiers.matches(str(record.get("content", "")), now)):
                recorded = self.identifiers.aligned(str(record.get("content", "")), now)
                self._report(
                    Divergence(
                        researcher, session, turn - 1, index, str(record.get("name")), recorded, mask_volatile(now)
                    )
                )

    def _report(self, divergence: Divergence) -> None:
        self.divergences.append(divergence)
        log.warning("replay diverged from the recording", where=divergence.describe())
        if self.config.on_divergence == "stop":
            raise ReplayDiverged(f"replay diverged: {divergence.describe()}")
