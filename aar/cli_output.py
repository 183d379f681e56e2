"""How every ``aar`` command reports bad input: one line on stderr, never wrapped or markup-mangled, then exit."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

_stderr = Console(stderr=True, soft_wrap=True, highlight=False)


def cli_error(message: str, code: int = 2) -> typer.Exit:
    """Print ``error: message`` as one line and return the Exit to raise (2: bad input, 1: a failure)."""
    _stderr.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(code)
