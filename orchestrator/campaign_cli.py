"""``aar campaign ...``: run, watch, stop and resume a research campaign."""

import typer

campaign_app = typer.Typer(help="Research campaigns: run, status, resume, stop, leaderboard, plot, report.", no_args_is_help=True)
