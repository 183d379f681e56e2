"""``aar scorer ...``: the tamper-resistant scoring service."""

import typer

scorer_app = typer.Typer(help="Scoring service: serve, leaderboard, audit log.", no_args_is_help=True)
