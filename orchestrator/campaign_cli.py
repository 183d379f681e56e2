"""``aar campaign ...``: run, watch, stop and resume a research campaign."""

from __future__ import annotations

import json
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console

from aar import ConfigError, RunFolder
from aar.cli_output import cli_error

campaign_app = typer.Typer(help="Research campaigns: run, status, resume, stop, leaderboard, plot, report.", no_args_is_help=True)
console = Console()
RUN_ARG = typer.Argument(..., help="The campaign's run folder (runs/<id>)")


def _fail(message: str) -> NoReturn:
    raise cli_error(message)


def _open(run_dir: Path) -> RunFolder:
    """The run folder, after checking that its campaign config still reads (else one line and exit 2)."""
    from orchestrator.config import load_campaign_config
    from orchestrator.snapshot import open_run

    try:
        run = open_run(run_dir)
        load_campaign_config(run.config)
    except ConfigError as error:
        _fail(str(error))
    return run


def _execute(run: RunFolder) -> None:
    from orchestrator.campaign import execute
    from orchestrator.display import LiveDisplay, status_table

    try:
        with LiveDisplay(run):
            execute(run)
    except ConfigError as error:
        _fail(str(error))
    console.print(status_table(run))
    console.print(f"report: {run.report}\nplot:   {run.plot}")


@campaign_app.command("run")
def run_command(
    preset: str | None = typer.Option(None, "--preset", help="A bundled preset: demo or paper"),
    config_file: Path | None = typer.Option(None, "--config", help="A campaign YAML file"),
    researchers: int | None = typer.Option(None, "--researchers", min=1, help="Override the number of researchers"),
    model: str | None = typer.Option(None, "--model", help="Override every researcher's model (e.g. scripted, claude-opus-4-6)"),
    run_dir: Path | None = typer.Option(None, "--run-dir", help="Where to write the run folder (default runs/<name>-<time>)"),
) -> None:
    """Start a campaign from a preset or a config file."""
    from aar.config_files import validate_mapping
    from agents.providers.config import parse_model
    from orchestrator.campaign import new_run_folder
    from orchestrator.config import CampaignConfig, load_campaign_config, preset_path

    if (preset is None) == (config_file is None):
        _fail("give exactly one of --preset NAME or --config FILE")
    try:
        path = preset_path(preset) if preset else Path(config_file)  # type: ignore[arg-type]
        config = load_campaign_config(path)
        overrides = {}
        if researchers is not None:
            overrides["researchers"] = researchers
        if model is not None:
            overrides["provider"] = parse_model(model).model_dump(mode="json")
            overrides["researcher_providers"] = {}
        if overrides:
            config = validate_mapping(CampaignConfig, {**config.model_dump(mode="json"), **overrides}, str(path))
        run = new_run_folder(config, run_dir)
    except ConfigError as error:
        _fail(str(error))
    console.print(f"campaign [bold]{config.name}[/]: {config.researchers} researchers, run folder {run.root}")
    _execute(run)


@campaign_app.command("resume")
def resume_command(run_dir: Path = RUN_ARG) -> None:
    """Continue a campaign after a crash or a stop, from every researcher's last completed step."""
    run = _open(run_dir)
    run.stop_request.unlink(missing_ok=True)
    _execute(run)


@campaign_app.command("stop")
def stop_command(run_dir: Path = RUN_ARG) -> None:
    """Ask a running campaign to stop at the next step boundary."""
    run = _open(run_dir)
    run.stop_request.write_text("stop requested\n", encoding="utf-8")
    console.print(f"stop requested: {run.stop_request}")


@campaign_app.command("status")
def status_command(run_dir: Path = RUN_ARG, as_json: bool = typer.Option(False, "--json")) -> None:
    """Rounds, spend, experiments and each researcher's best PGR (works while the campaign runs)."""
    from orchestrator.display import status_table
    from orchestrator.snapshot import take_snapshot

    run = _open(run_dir)
    if as_json:
        typer.echo(json.dumps(take_snapshot(run).to_json(), indent=2))
    else:
        console.print(status_table(run))


@campaign_app.command("leaderboard")
def leaderboard_command(run_dir: Path = RUN_ARG, as_json: bool = typer.Option(False, "--json"),
                        limit: int = typer.Option(20, "--limit", min=1)) -> None:
    """The best experiments by PGR, with hack-check flags."""
    from rich.table import Table

    from orchestrator.snapshot import take_snapshot

    entries = take_snapshot(_open(run_dir)).leaderboard(limit)
    if as_json:
        typer.echo(json.dumps({"entries": entries}, indent=2))
        return
    table = Table("rank", "researcher", "method", "experiment", "PGR", "flags")
    for e in entries:
        pgr = "-" if e["pgr"] is None else f"{e['pgr']:.3f}"
        table.add_row(str(e["rank"]), e["researcher"], e["method"], e["experiment_id"], pgr, ", ".join(e["flags"]))
    console.print(table)


@campaign_app.command("plot")
def plot_command(run_dir: Path = RUN_ARG) -> None:
    """Write the PNG of each researcher's best PGR over research hours."""
    from orchestrator.plot import write_plot

    run = _open(run_dir)
    write_plot(run)
    console.print(f"plot: {run.plot}")


@campaign_app.command("report")
def report_command(run_dir: Path = RUN_ARG) -> None:
    """Write report.md: setup, leaderboard, held-out table, spend."""
    from orchestrator.report import write_report

    run = _open(run_dir)
    write_report(run)
    console.print(f"report: {run.report}")
