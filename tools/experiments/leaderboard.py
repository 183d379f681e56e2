"""The campaign leaderboard, computed from the experiment queue: one row per scored experiment, best first."""

from __future__ import annotations

from typing import Any

from tools.experiments.records import ExperimentRecord


def leaderboard_entries(
    records: list[ExperimentRecord], limit: int | None = None, task: str | None = None, exact: bool = False
) -> list[dict[str, Any]]:
    """Finished experiments ranked by mean PGR; flagged ones stay listed (with their flags) but rank last.

    Researchers see the PGR the scorer released to them; ``exact=True`` (trusted views: report, plot, the
    campaign CLI) ranks by the exact public-split PGR instead.
    """
    scored = [r for r in records if r.state in ("done", "flagged") and r.mean(exact) is not None]
    if task is not None:
        scored = [r for r in scored if r.task == task]
    scored.sort(key=lambda r: (bool(r.flags), -(r.mean(exact) or 0.0), r.created_at))
    entries = [
        {
            "rank": index + 1,
            "researcher": r.researcher,
            "method": r.method_path,
            "experiment_id": r.experiment_id,
            "commit": r.commit,
            "task": r.task,
            "pgr": r.mean(exact),
            "pgr_se": r.se(exact),
            "seeds": list(r.seeds),
            "flags": list(r.flags),
        }
        for index, r in enumerate(scored)
    ]
    return entries[:limit] if limit else entries
