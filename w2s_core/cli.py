"""``aar w2s ...``: tasks, pretraining, baselines and method runs."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from aar import ConfigError
from aar.cli_output import cli_error

w2s_app = typer.Typer(help="Weak-to-strong training core: tasks, pretraining, baselines, method runs.", no_args_is_help=True)
console = Console()
err_console = Console(stderr=True)
T = TypeVar("T")

SIZE_OPTION = typer.Option("small", "--size", help="Offline model size: small (demo) or micro (tests).")
JSON_OPTION = typer.Option(False, "--json", help="Print one JSON object instead of a table.")
DEVICE_OPTION = typer.Option("auto", "--device", help="cpu, cuda, cuda:1, ... (auto: CUDA if present).")
TASK_OPTION = typer.Option(..., "--task", help="A registered task name or a task folder.")
SEEDS_OPTION = typer.Option(3, "--seeds", help="Seeds 1..N.")


def _fail(message: str) -> typer.Exit:
    return cli_error(message)


@contextmanager
def _progress(enabled: bool) -> Iterator[Progress]:
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=err_console, disable=not enabled, transient=False) as progress:
        yield progress


def _guard(action: Callable[[], T]) -> T:
    """Bad input becomes one red line and exit code 2, never a traceback."""
    try:
        return action()
    except (ConfigError, FileNotFoundError, KeyError, ValueError) as error:
        raise _fail(str(error).strip("'\"")) from None


@w2s_app.command("tasks")
def tasks_command(as_json: bool = JSON_OPTION) -> None:
    """List the registered tasks."""
    from w2s_core import get_task, list_tasks

    rows = []
    for name in list_tasks():
        task = get_task(name)
        rows.append({"name": name, "family": task.family, "label_names": list(task.label_names),
                     "sizes": {s: len(task.split(s)) for s in ("train_label", "train_unlabel", "test")}})
    if as_json:
        typer.echo(json.dumps({"tasks": rows}))
        return
    table = Table("task", "family", "labels", "train_label", "train_unlabel", "test")
    for row in rows:
        sizes = row["sizes"]
        table.add_row(row["name"], row["family"], "/".join(row["label_names"]), str(sizes["train_label"]),
                      str(sizes["train_unlabel"]), str(sizes["test"]))
    console.print(table)


@w2s_app.command("pretrain")
def pretrain_command(size: str = SIZE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Build (or reuse) the offline strong and weak base models."""
    import time

    from w2s_core.pretrain import SPECS, pretrain_models

    if size not in SPECS:
        raise _fail(f"--size must be one of {list(SPECS)}, got '{size}'")
    started = time.perf_counter()
    with _progress(not as_json) as progress:
        bar = progress.add_task(f"pretraining ({size})", total=SPECS[size].steps)
        pair = pretrain_models(size, on_step=lambda step, total: progress.update(bar, completed=step))
        progress.update(bar, completed=SPECS[size].steps)
    result = {"size": size, "strong": str(pair.strong), "weak": str(pair.weak), "seconds": round(time.perf_counter() - started, 1)}
    typer.echo(json.dumps(result) if as_json else f"strong: {pair.strong}\nweak:   {pair.weak}\n({result['seconds']} s)")


def _evaluate(task: str, seeds: int, methods: list[str], size: str, device: str, as_json: bool) -> dict[str, Any]:
    from w2s_core.pipeline import Pipeline, PipelineConfig

    if seeds < 1:
        raise ConfigError(f"--seeds must be at least 1, got {seeds}")
    pipeline = Pipeline(PipelineConfig(task=task, size=size, device=device))  # type: ignore[arg-type]
    seed_list = list(range(1, seeds + 1))
    with _progress(not as_json) as progress:
        bar = progress.add_task(f"{task}: baselines", total=2 * seeds)
        for seed in seed_list:
            pipeline.weak(seed)
            progress.advance(bar)
            pipeline.ceiling(seed)
            progress.advance(bar)
        base = pipeline.baselines(seed_list)
        results = {}
        for method in methods:
            bar = progress.add_task(f"{task}: {method}", total=seeds)
            for seed in seed_list:
                pipeline.transfer(method, seed)
                progress.advance(bar)
            results[method] = pipeline.evaluate(method, seed_list, base)
    return {"task": task, "seeds": seed_list, "weak_acc": base.weak_acc, "ceiling_acc": base.ceiling_acc,
            "weak_per_seed": base.weak_accs, "ceiling_per_seed": base.ceiling_accs, "methods": results}


def _report(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(result))
        return
    console.print(f"[bold]{result['task']}[/bold] seeds {result['seeds']}: weak acc {result['weak_acc']:.3f}, "
                  f"ceiling acc {result['ceiling_acc']:.3f}")
    table = Table("method", "acc", "PGR (mean ± se)", "per-seed PGR")
    for name, row in result["methods"].items():
        per_seed = " ".join(f"{r['pgr']:.2f}" for r in row["per_seed"])
        table.add_row(name, f"{row['acc_mean']:.3f}", f"{row['pgr_mean']:.3f} ± {row['pgr_se']:.3f}", per_seed)
    console.print(table)


@w2s_app.command("baselines")
def baselines_command(
    task: str = TASK_OPTION,
    seeds: int = SEEDS_OPTION,
    size: str = SIZE_OPTION,
    device: str = DEVICE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Weak teacher, strong ceiling and every built-in method, with PGR per seed and mean ± se."""
    from w2s_core.methods import builtin_methods

    _report(_guard(lambda: _evaluate(task, seeds, builtin_methods(), size, device, as_json)), as_json)


@w2s_app.command("run")
def run_command(
    method: str = typer.Option(..., "--method", help="A built-in method name or a method file (run(ctx))."),
    task: str = TASK_OPTION,
    seeds: int = SEEDS_OPTION,
    size: str = SIZE_OPTION,
    device: str = DEVICE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Run one method (built-in or file) against the fixed baselines."""
    from w2s_core.methods import load_method

    _guard(lambda: load_method(method))
    _report(_guard(lambda: _evaluate(task, seeds, [method], size, device, as_json)), as_json)
