"""``aar seeds ...`` and ``aar replay``: research directions and transcript reading."""

import typer

seeds_app = typer.Typer(help="Seed prompts (research directions).", no_args_is_help=True)


def replay_command(run: str = typer.Argument(..., help="Run folder.")) -> None:
    """Render a researcher's transcript for reading."""
