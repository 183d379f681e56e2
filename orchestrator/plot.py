"""The study's figure: each researcher's best PGR against its cumulative research hours, the human baseline marked."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from aar import RunFolder  # noqa: E402
from orchestrator.snapshot import HUMAN_BASELINE_PGR, Snapshot, take_snapshot  # noqa: E402


def best_pgr_curves(snapshot: Snapshot) -> dict[str, list[tuple[float, float]]]:
    """Per researcher: (research hours when the experiment finished, best PGR so far), starting at the baseline."""
    curves: dict[str, list[tuple[float, float]]] = {}
    for name, timeline in snapshot.timelines.items():
        finished = sorted(
            (r for r in snapshot.records
             if r.researcher == name and r.task == snapshot.config.tasks[0] and r.state == "done" and r.mean(exact=True) is not None),
            key=lambda r: r.finished_at or 0.0,
        )
        points, best = [(0.0, HUMAN_BASELINE_PGR)], HUMAN_BASELINE_PGR
        for record in finished:
            hours = max((seconds for ended, seconds in timeline if ended <= (record.finished_at or 0.0)), default=0.0) / 3600.0
            best = max(best, record.mean(exact=True) or best)
            points.append((hours, best))
        if timeline:
            points.append((timeline[-1][1] / 3600.0, best))
        curves[name] = points
    return curves


def write_plot(run: RunFolder) -> None:
    snapshot = take_snapshot(run, with_timelines=True)
    figure, axis = plt.subplots(figsize=(7, 4.5))
    for name, points in best_pgr_curves(snapshot).items():
        xs, ys = zip(*points)
        axis.step(xs, ys, where="post", color="tab:red", alpha=0.75, linewidth=1.4)
        axis.annotate(name, (xs[-1], ys[-1]), fontsize=7, color="tab:red", xytext=(3, 0), textcoords="offset points")
    axis.scatter([0.0], [HUMAN_BASELINE_PGR], marker="s", color="grey", s=60, zorder=5, label=f"human baseline ({HUMAN_BASELINE_PGR})")
    axis.axhline(HUMAN_BASELINE_PGR, color="grey", linestyle=":", linewidth=0.8)
    axis.set_xlabel("research hours (per researcher, cumulative)")
    axis.set_ylabel("best PGR so far")
    axis.set_title(f"{snapshot.config.name}: PGR over research hours ({snapshot.config.tasks[0]})")
    axis.legend(loc="lower right", fontsize=8)
    axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(run.plot, dpi=120)
    plt.close(figure)
