"""The experiment tools the agents call: run_experiment, experiment_status, wait_experiment, leaderboard."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from tools.experiments.leaderboard import leaderboard_entries
from tools.experiments.records import ExperimentRecord
from tools.experiments.service import ExperimentRefused
from tools.registry import Tool, ToolArgs, ToolContext, ToolError, ToolRegistry

MAX_WAIT_S = 3600.0


class RunExperimentArgs(ToolArgs):
    method_path: str = Field(min_length=1, description="A method file in your workspace (def run(ctx)) or a built-in name")
    task: str | None = Field(default=None, description="Task to run on (default: the campaign's research task)")
    seeds: list[int] | None = Field(default=None, description="Seeds (default: the campaign's seeds)")


class ExperimentIdArgs(ToolArgs):
    experiment_id: str = Field(min_length=1)


class WaitExperimentArgs(ExperimentIdArgs):
    timeout_s: float = Field(default=600.0, ge=0, description="Give up waiting after this many seconds")


class LeaderboardArgs(ToolArgs):
    limit: int = Field(default=10, ge=1, le=200)


def _service(ctx: ToolContext) -> Any:
    if ctx.experiments is None:
        raise ToolError("experiments are not available in this session")
    return ctx.experiments


def _record(ctx: ToolContext, experiment_id: str) -> ExperimentRecord:
    try:
        record: ExperimentRecord = _service(ctx).status(experiment_id)
    except KeyError:
        raise ToolError(f"experiment_id: no experiment {experiment_id!r}") from None
    return record


def run_experiment(args: RunExperimentArgs, ctx: ToolContext) -> dict[str, Any]:
    service = _service(ctx)
    task = args.task or service.default_task
    if service.allowed_tasks and task not in service.allowed_tasks:
        raise ToolError(f"task: {task!r} is not a research task of this campaign; choose from {sorted(service.allowed_tasks)}")
    is_file = "/" in args.method_path or args.method_path.endswith(".py")
    if is_file and not (ctx.workspace / args.method_path).is_file():
        raise ToolError(f"method_path: {args.method_path!r} is not a file in your workspace")
    experiment_id = service.queue.find_by_step(ctx.step_id)
    if experiment_id is None:  # first time for this step: commit, then queue (both idempotent by step id)
        commit = None
        if ctx.codestore is not None:
            commit = ctx.codestore.commit_workspace(ctx.researcher, f"experiment {args.method_path} on {task}", ctx.step_id)
        try:
            experiment_id = service.submit(ctx.researcher, args.method_path, task, args.seeds, ctx.step_id, commit=commit)
        except ExperimentRefused as refusal:
            raise ToolError(f"experiment not started: {refusal}") from None
    record = service.status(experiment_id)
    return {"experiment_id": record.experiment_id, "commit": record.commit, "state": record.state}


def experiment_status(args: ExperimentIdArgs, ctx: ToolContext) -> dict[str, Any]:
    return _record(ctx, args.experiment_id).to_tool_json()


def wait_experiment(args: WaitExperimentArgs, ctx: ToolContext) -> dict[str, Any]:
    record = _record(ctx, args.experiment_id)
    return _service(ctx).wait(record.experiment_id, min(args.timeout_s, MAX_WAIT_S)).to_tool_json()


def leaderboard(args: LeaderboardArgs, ctx: ToolContext) -> dict[str, Any]:
    return {"entries": leaderboard_entries(_service(ctx).records(), args.limit)}


def register_experiment_tools(registry: ToolRegistry) -> ToolRegistry:
    """Add the four experiment tools to a ToolRegistry (contracts.md: 'Experiment tools')."""
    specs: list[tuple[str, str, type[ToolArgs], Any]] = [
        ("run_experiment", "Commit your workspace and queue an experiment on the scorer; returns an id at once.",
         RunExperimentArgs, run_experiment),
        ("experiment_status", "State and PGR of an experiment (per seed, mean, standard error, flags).",
         ExperimentIdArgs, experiment_status),
        ("wait_experiment", "Wait until an experiment finishes (or timeout_s passes); returns its status.",
         WaitExperimentArgs, wait_experiment),
        ("leaderboard", "The campaign's best experiments by PGR, with hack-check flags.", LeaderboardArgs, leaderboard),
    ]
    for name, description, schema, handler in specs:
        registry.register(Tool(name=name, description=description, input_schema=schema, handler=handler))
    return registry
