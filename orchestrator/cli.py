"""The ``aar`` command line: one root that mounts each package's own command group."""

from __future__ import annotations

import typer

import aar
from agents.cli import replay_command, seeds_app
from orchestrator.campaign_cli import campaign_app
from tools.sandbox.cli import sandbox_app
from tools.scorer.cli import scorer_app
from w2s_core.cli import w2s_app

app = typer.Typer(
    name="aar",
    help="Automated alignment researchers: agents that invent weak-to-strong supervision methods, scored by PGR.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(w2s_app, name="w2s")
app.add_typer(scorer_app, name="scorer")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(campaign_app, name="campaign")
app.add_typer(seeds_app, name="seeds")
app.command("replay")(replay_command)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"aar {aar.__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
    ),
    log_level: str = typer.Option("INFO", "--log-level", help="Log level on the terminal."),
) -> None:
    aar.configure_logging(level=log_level)
