"""Render a transcript for reading in a terminal (``aar replay``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from aar import ConfigError
from agents.transcript import TranscriptError, read_transcript, session_number, transcript_files


def choose_transcript(run: Path, researcher: str | None, session: int | None) -> Path:
    """The transcript to show: a file as given, else one session of one researcher in a run folder."""
    if run.is_file():
        return run
    if not run.is_dir():
        raise ConfigError(f"{run}: no such run folder or transcript file")
    found = transcript_files(run)
    if not found:
        raise ConfigError(f"{run}: the run folder has no transcripts yet ({run / 'transcripts'})")
    name = researcher or next(iter(found))
    if name not in found:
        raise ConfigError(f"--researcher {name!r}: no transcripts in {run}; researchers: {', '.join(found)}")
    sessions = {session_number(path): path for path in found[name]}
    number = session if session is not None else min(sessions)
    if number not in sessions:
        raise ConfigError(f"--session {number}: {name} has sessions {', '.join(map(str, sorted(sessions)))}")
    return sessions[number]


def _clip(text: str, max_lines: int) -> str:
    lines = text.splitlines()
    if max_lines <= 0 or len(lines) <= max_lines:
        return text
    return "\n".join(lines[:max_lines]) + f"\n... ({len(lines) - max_lines} more lines)"


def _readable(text: str) -> str:
    """Structured tool results (JSON text) indented, so that clipping to a number of lines works on them."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return text
    return json.dumps(value, indent=1, ensure_ascii=False) if isinstance(value, dict | list) else text


def _usage_line(record: dict[str, Any]) -> str:
    response = record["response"]
    usage = response.get("usage", {})
    return (
        f"turn {record['turn']} · {response.get('stop_reason')} · {record.get('seconds', 0):.2f} s"
        f" · in {usage.get('input', 0)} out {usage.get('output', 0)}"
        f" cache w {usage.get('cache_write', 0)} r {usage.get('cache_read', 0)}"
        f" · ${response.get('cost_usd', 0):.4f}"
    )


def _render_record(record: dict[str, Any], max_lines: int) -> Any | None:
    kind = record["kind"]
    if kind == "session_start":
        table = Table.grid(padding=(0, 2))
        for key in ("researcher", "session", "provider", "seed"):
            table.add_row(Text(key, style="bold"), str(record.get(key)))
        table.add_row(Text("tools", style="bold"), ", ".join(record.get("tools", [])))
        return Panel(table, title="session start", border_style="blue")
    if kind == "request":
        texts = [
            block.get("text", "")
            for message in record.get("new_messages", [])
            if message.get("role") == "user"
            for block in (
                message["content"]
                if isinstance(message["content"], list)
                else [{"type": "text", "text": message["content"]}]
            )
            if block.get("type") == "text"
        ]
        return (
            Panel(_clip("\n\n".join(texts), max_lines), title=f"user · turn {record['turn']}", border_style="white")
            if texts
            else None
        )
    if kind == "response":
        parts: list[Any] = []
        for block in record["response"].get("content", []):
            if block.get("type") == "text":
                parts.append(Text(_clip(block["text"], max_lines)))
            elif block.get("type") == "tool_use":
                parts.append(
                    Text(
                        f"→ {block['name']} {_clip(json.dumps(block.get('input'), ensure_ascii=False), max_lines)}",
                        style="cyan",
                    )
                )
        return Panel(Group(*parts), title="assistant", subtitle=_usage_line(record), border_style="green")
    if kind == "tool_result":
        style = "red" if record.get("is_error") else "yellow"
        title = f"{record.get('name')} · {record.get('step_id')} · {record.get('seconds', 0):.2f} s"
        return Panel(_clip(_readable(str(record.get("content", ""))), max_lines), title=title, border_style=style)
    if kind == "session_end":
        usage = record.get("usage", {})
        return Panel(
            f"reason {record.get('reason')} · {record.get('turns')} turns · {record.get('seconds')} s · "
            f"tokens in {usage.get('input', 0)} out {usage.get('output', 0)} · ${record.get('cost_usd', 0):.4f}",
            title="session end",
            border_style="blue",
        )
    if kind == "provider_unavailable":
        return Panel(str(record.get("error")), title="provider unavailable", border_style="red")
    return None


def render_transcript(path: Path, console: Console, max_lines: int = 30) -> int:
    """Print every record of ``path``; returns how many records were shown."""
    shown = 0
    try:
        for record in read_transcript(path):
            renderable = _render_record(record, max_lines)
            if renderable is not None:
                console.print(renderable)
                shown += 1
    except TranscriptError as error:
        raise ConfigError(str(error)) from None
    return shown


def transcripts_table(run: Path) -> Table:
    """One row per session of every researcher: turns, why it ended, tokens and cost."""
    found = transcript_files(run) if run.is_dir() else {}
    if not found:
        raise ConfigError(f"{run}: no transcripts here (expected a run folder with transcripts/)")
    table = Table(title=f"transcripts in {run}")
    for column in ("researcher", "session", "turns", "end", "tokens in", "tokens out", "cost $"):
        table.add_column(column, justify="right" if column not in ("researcher", "end") else "left")
    for researcher, paths in found.items():
        for path in paths:
            try:
                end = next((r for r in read_transcript(path) if r["kind"] == "session_end"), None)
            except TranscriptError as error:
                raise ConfigError(str(error)) from None
            usage = end.get("usage", {}) if end else {}
            table.add_row(
                researcher,
                str(session_number(path)),
                str(end.get("turns", "?")) if end else "?",
                str(end.get("reason")) if end else "(running or cut off)",
                str(usage.get("input", 0) + usage.get("cache_read", 0) + usage.get("cache_write", 0)),
                str(usage.get("output", 0)),
                f"{end.get('cost_usd', 0):.4f}" if end else "?",
            )
    return table
