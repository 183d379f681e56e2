"""``aar scorer ...``: the tamper-resistant scoring service."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from aar import ConfigError, RunFolder
from aar.cli_output import cli_error
from tools.scorer.audit import read_audit
from tools.scorer.db import Database, db_path
from tools.scorer.leaderboard import build_leaderboard
from tools.scorer.settings import load_settings
from tools.scorer.tasks import load_task
from tools.scorer.tokens import issue_tokens

scorer_app = typer.Typer(help="Scoring service: serve, leaderboard, audit log.", no_args_is_help=True)
# Piped output (files, CI logs, tests) is not cut at 80 columns: identifiers stay whole.
console = Console(width=None if sys.stdout.isatty() else 200)
RUN_HELP = "The campaign's run folder (runs/<id>)."


def _fail(message: str) -> typer.Exit:
    return cli_error(message)


@contextmanager
def _existing_database(run_root: Path) -> Iterator[Database]:
    path = db_path(RunFolder(run_root))
    if not path.exists():
        raise _fail(f"{run_root}: no scorer database at {path} (has a scorer been set up for this run?)")
    database = Database(path)
    try:
        yield database
    finally:
        database.close()


@scorer_app.command()
def serve(
    run: Path = typer.Option(..., "--run", help=RUN_HELP),
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(0, help="Port (0: any free one; the URL is written to RUN/scorer/endpoint.json)."),
    task: list[str] = typer.Option([], "--task", help="Make sure this task is registered (baselines via w2s_core)."),
    size: str = typer.Option("small", help="w2s_core model size for baselines of --task: small or micro."),
    baseline_seeds: int = typer.Option(3, min=1, help="Seeds for the baselines of --task."),
    rate_limit: int | None = typer.Option(None, min=1, help="Scored submissions per researcher per window."),
    rate_window_s: float | None = typer.Option(None, min=1, help="Rate-limit window in seconds."),
    parent_pid: int | None = typer.Option(None, hidden=True, help="Stop when this process is gone."),
) -> None:
    """Serve the scoring API for RUN until interrupted."""
    from tools.scorer.process import serve as serve_forever

    folder = RunFolder(run)
    try:
        settings = load_settings(folder)
        overrides = {k: v for k, v in (("rate_limit", rate_limit), ("rate_window_s", rate_window_s)) if v is not None}
        settings = settings.model_copy(update=overrides)
        if size not in ("small", "micro"):
            raise ConfigError(f"--size: expected small or micro, got {size!r}")
        for name in task:
            _ensure_task(folder, name, size, baseline_seeds)
    except ConfigError as error:
        raise _fail(str(error)) from None
    try:
        serve_forever(folder, host=host, port=port, settings=settings, parent_pid=parent_pid)
    except OSError as error:  # the address is taken or not ours
        raise _fail(f"cannot listen on {host}:{port}: {error.strerror or error}") from None


def _ensure_task(folder: RunFolder, name: str, size: str, seeds: int) -> None:
    from tools.scorer.w2s_tasks import register_from_w2s

    database = Database.for_run(folder)
    try:
        known = load_task(database, name) is not None
    finally:
        database.close()
    if not known:
        console.print(f"task {name!r} is not registered: computing its baselines with w2s_core ({seeds} seeds)")
        register_from_w2s(folder, name, seeds=list(range(seeds)), size=size)


@scorer_app.command()
def tokens(
    run: Path = typer.Argument(..., help=RUN_HELP),
    researcher: list[str] = typer.Option(..., "--researcher", help="A researcher to issue a token for."),
) -> None:
    """Issue tokens (idempotent); they are written to RUN/scorer/tokens.json (0600), never printed."""
    try:
        issued = issue_tokens(RunFolder(run), researcher)
    except ConfigError as error:
        raise _fail(str(error)) from None
    console.print(f"{len(issued)} tokens in {RunFolder(run).scorer_dir / 'tokens.json'}: {', '.join(issued)}")


@scorer_app.command()
def leaderboard(
    run: Path = typer.Argument(..., help=RUN_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    private: bool = typer.Option(False, "--private", help="Exact scores on the private split (the human's view)."),
    task: str | None = typer.Option(None, help="Only this task."),
) -> None:
    """Print the leaderboard (flagged experiments listed apart, with their reasons)."""
    with _existing_database(run) as database:
        board = build_leaderboard(database, private=private, task=task)
    if as_json:
        typer.echo(board.model_dump_json(indent=2))
        return
    table = Table(title=f"{'private' if private else 'public'} leaderboard")
    for column in ("rank", "task", "researcher", "experiment", "method", "commit", "seeds", "pgr"):
        table.add_column(column)
    if private:
        table.add_column("± se")
        table.add_column("verified")
    for e in board.entries:
        row = [str(e.rank), e.task, e.researcher, e.experiment_id, e.method, e.commit[:10], str(e.n_seeds),
               _num(e.pgr)]
        table.add_row(*(row + [_num(e.private_pgr_se), _num(e.verified_pgr)] if private else row))
    console.print(table)
    for e in board.flagged:
        reasons = "; ".join(f"{f.name}: {f.evidence}" + (f" [{f.detail}]" if f.detail else "") for f in e.flags)
        console.print(f"[yellow]excluded[/yellow] {e.task} {e.researcher}/{e.experiment_id} ({e.method}): {reasons}")


@scorer_app.command()
def audit(
    run: Path = typer.Argument(..., help=RUN_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON lines."),
    limit: int | None = typer.Option(None, min=1, help="At most this many entries (oldest first)."),
) -> None:
    """Print the append-only audit log: every request to the scorer (who, when, what, outcome)."""
    with _existing_database(run) as database:
        entries = read_audit(database, limit=limit)
    for entry in entries:
        if as_json:
            typer.echo(json.dumps(entry.model_dump()))
            continue
        when = dt.datetime.fromtimestamp(entry.at, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        console.print(f"{entry.id:>6} {when} {entry.principal:<12} {entry.http_method:<4} {entry.path} "
                      f"-> {entry.status} {entry.outcome}", markup=False, highlight=False)


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
