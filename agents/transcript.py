"""Transcripts: one JSON-lines file per researcher per session, appended as the session runs.

Each line is a record with a ``kind``: ``session_start`` (system prompt and tool names), ``request`` (hash of the
full request and only the messages new since the previous request), ``response`` (the assistant turn with usage and
cost, and the seconds it took), ``tool_result`` (step id, call, result, seconds), ``divergence`` (a replay whose
environment answered differently) and ``session_end``. API keys and scorer tokens are redacted before writing.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aar import RunFolder

REDACTED = "[REDACTED]"
SECRET_PATTERNS = [
    re.compile(r"sk-ant-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"sk-[A-Za-z0-9_\-]{20,}"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._\-]{8,}"),
    re.compile(r"(?i)(x-api-key[\"']?\s*[:=]\s*[\"']?)[A-Za-z0-9._\-]{8,}"),
]
SECRET_ENV_VARS = ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "AAR_SCORER_TOKEN")
SCORER_TOKENS_FILE = "tokens.json"


@dataclass
class Redactor:
    """Replaces known secret values (scorer tokens, API keys from the environment) and key-shaped strings."""

    secrets: set[str] = field(default_factory=set)

    @classmethod
    def from_environment(cls, extra: Iterable[str] = ()) -> Redactor:
        values = {os.environ.get(name, "") for name in SECRET_ENV_VARS} | set(extra)
        return cls({value for value in values if len(value) >= 8})

    def add_run_secrets(self, run: RunFolder) -> None:
        """The scorer tokens issued in ``run`` (researchers' and admin's), which must never reach a transcript.

        Read straight from ``RUN/scorer/tokens.json`` (name -> token, written by ``tools.scorer.issue_tokens``):
        importing the scorer package would load its web server for one small file.
        """
        try:
            tokens = json.loads((run.scorer_dir / SCORER_TOKENS_FILE).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return
        if isinstance(tokens, dict):
            self.secrets |= {token for token in tokens.values() if isinstance(token, str) and len(token) >= 8}

    def text(self, value: str) -> str:
        for secret in self.secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        for pattern in SECRET_PATTERNS:
            value = pattern.sub(lambda match: (match.group(1) if match.groups() else "") + REDACTED, value)
        return value

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {key: self.value(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.value(item) for item in value]
        return value


class TranscriptWriter:
    """Appends records to one session's file; every line is flushed so another process can follow along."""

    def __init__(self, path: Path, redactor: Redactor | None = None) -> None:
        self.path = path
        self.redactor = redactor or Redactor.from_environment()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = path.open("a", encoding="utf-8")

    def write(self, kind: str, **fields: Any) -> None:
        record = self.redactor.value({"kind": kind, "time": round(time.time(), 3), **fields})
        self._handle.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()


class TranscriptError(ValueError):
    """A transcript file is missing or a line of it is not a JSON record."""


def read_transcript(path: Path) -> Iterator[dict[str, Any]]:
    """Records in order; a torn last line (a crash mid-write) is skipped, any other bad line is an error."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise TranscriptError(f"{path}: cannot read the transcript: {error.strerror}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            if number == len(lines):
                return
            raise TranscriptError(f"{path}: line {number} is not a JSON record") from None
        if not isinstance(record, dict) or "kind" not in record:
            raise TranscriptError(f"{path}: line {number} has no 'kind'")
        yield record


def transcript_files(root: Path) -> dict[str, list[Path]]:
    """``{researcher: [session files in order]}`` under a run folder's ``transcripts/``."""
    base = root / "transcripts"
    found: dict[str, list[Path]] = {}
    if base.is_dir():
        for folder in sorted(path for path in base.iterdir() if path.is_dir()):
            sessions = sorted(folder.glob("session-*.jsonl"))
            if sessions:
                found[folder.name] = sessions
    return found


def session_number(path: Path) -> int:
    return int(path.stem.removeprefix("session-"))
