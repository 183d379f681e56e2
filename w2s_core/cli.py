"""``aar w2s ...``: tasks, pretraining, baselines and method runs."""

import typer

w2s_app = typer.Typer(help="Weak-to-strong training core: tasks, pretraining, baselines, method runs.", no_args_is_help=True)
