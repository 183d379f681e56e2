"""``aar seeds ...`` and ``aar replay``: research directions and transcript reading."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from aar import ConfigError
from aar.cli_output import cli_error

seeds_app = typer.Typer(help="Seed prompts (research directions).", no_args_is_help=True)


def _fail(error: ConfigError) -> typer.Exit:
    return cli_error(str(error))


@seeds_app.command("list")
def list_command(
    dirs: list[Path] = typer.Option([], "--dir", help="A folder of extra seed files (*.md); repeatable."),
) -> None:
    """Show every seed direction: the defaults and those in the given folders."""
    from agents.seeds import list_seeds

    try:
        seeds = list_seeds(dirs)
    except ConfigError as error:
        raise _fail(error) from None
    table = Table(title=f"{len(seeds)} seed directions")
    table.add_column("name", style="bold")
    table.add_column("title")
    table.add_column("file", overflow="fold")
    for seed in seeds:
        table.add_row(seed.name, seed.title, str(seed.path))
    Console().print(table)


def replay_command(
    run: Path = typer.Argument(..., help="A run folder, or one transcript file."),
    researcher: str | None = typer.Option(None, "--researcher", "-r", help="Researcher (default: the first)."),
    session: int | None = typer.Option(None, "--session", "-s", help="Session number (default: the first)."),
    max_lines: int = typer.Option(30, "--max-lines", help="Lines shown per block; 0 shows everything."),
    list_all: bool = typer.Option(False, "--list", help="List every session's transcript instead of showing one."),
) -> None:
    """Render a researcher's transcript for reading."""
    from agents.render import choose_transcript, render_transcript, transcripts_table

    console = Console()
    try:
        if list_all:
            console.print(transcripts_table(run))
            return
        path = choose_transcript(run, researcher, session)
        console.print(f"[bold]{path}[/bold]")
        render_transcript(path, console, max_lines)
    except ConfigError as error:
        raise _fail(error) from None
