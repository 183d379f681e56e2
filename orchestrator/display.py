"""The live terminal view of a running campaign (rich), refreshed from the run folder like ``status``."""

from __future__ import annotations

import threading
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table

from aar import RunFolder
from orchestrator.snapshot import take_snapshot


def status_table(run: RunFolder) -> Any:
    snapshot = take_snapshot(run)
    data = snapshot.to_json()
    spend = data["spend"]
    header = (
        f"[bold]{data['name']}[/] {data['state']} - round {data['round']}/{data['rounds']} - best PGR "
        f"{data['best_pgr'] if data['best_pgr'] is None else round(data['best_pgr'], 3)} - experiments "
        + ", ".join(f"{count} {state}" for state, count in data["experiments"].items() if count) + "\n"
        f"API ${spend['api_dollars']:.2f} - research {spend['research_hours']:.3f} h - wall {spend['wall_clock_hours']:.3f} h"
        f" - compute {spend['compute_hours']:.3f} h"
    )
    if data["state"] == "starting":
        header += "\n[dim]starting: sandbox self-test, task baselines (the first run pretrains the models), scorer[/]"
    table = Table(show_header=True, header_style="bold")
    for column in ("researcher", "steps", "experiments", "best PGR", "API $"):
        table.add_column(column)
    for name, row in data["per_researcher"].items():
        best = "-" if row["best_pgr"] is None else f"{row['best_pgr']:.3f}"
        table.add_row(name, str(row["steps"]), str(row["experiments"]), best, f"{row['api_dollars']:.2f}")
    return Group(header, table)


class LiveDisplay:
    """Refreshes the status table every second in a background thread while the campaign runs."""

    def __init__(self, run: RunFolder, console: Console | None = None) -> None:
        self.run = run
        self.console = console or Console(stderr=True)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> LiveDisplay:
        if self.console.is_terminal:
            self._thread = threading.Thread(target=self._loop, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        with Live(console=self.console, refresh_per_second=2, transient=False) as live:
            while not self._stop.wait(1.0):
                try:
                    live.update(status_table(self.run))
                except Exception:  # the folder is mid-creation: show it on the next tick
                    continue
