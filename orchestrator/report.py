"""``report.md``: the setup, the leaderboard with flags, the held-out generalization table, the spend."""

from __future__ import annotations

from typing import Any

from aar import RunFolder, write_atomic
from orchestrator.snapshot import HUMAN_BASELINE_PGR, Snapshot, take_snapshot


def _pgr(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _setup(s: Snapshot) -> list[str]:
    c = s.config
    providers = sorted({c.provider_of(name).type for name in c.researcher_ids()})
    models = f"size={c.w2s.size}" if c.w2s.size else f"strong={c.w2s.strong_model}, weak={c.w2s.weak_model}"
    return [
        f"# Campaign report: {c.name}", "",
        "## Setup", "",
        f"- Researchers: {c.researchers} ({', '.join(providers)}); directions: {', '.join(c.seed_directions)}",
        f"- Research tasks: {', '.join(c.tasks)}; held out: {', '.join(c.held_out_tasks) or 'none'}; seeds {c.seeds}",
        f"- Models: {models}; sandbox: {c.sandbox.type}; executor: {c.executor.type}",
        f"- Rounds: {s.round} of {c.rounds}; state: {s.state}"
        + (f"; stopped because: {s.final['stop_reason']}" if s.final else ""),
        f"- Human baseline PGR: {HUMAN_BASELINE_PGR}", "",
    ]


def _leaderboard(s: Snapshot) -> list[str]:
    lines = ["## Leaderboard", "", "| rank | researcher | method | experiment | commit | PGR | se | flags |",
             "|---|---|---|---|---|---|---|---|"]
    entries = s.leaderboard(20)
    for e in entries:
        lines.append(f"| {e['rank']} | {e['researcher']} | `{e['method']}` | {e['experiment_id']} | "
                     f"{str(e['commit'])[:8]} | {_pgr(e['pgr'])} | {_pgr(e['pgr_se'])} | {', '.join(e['flags']) or '-'} |")
    if not entries:
        lines.append("| - | - | - | - | - | - | - | - |")
    return [*lines, ""]


def _heldout(s: Snapshot) -> list[str]:
    tasks = s.config.held_out_tasks
    lines = ["## Held-out generalization", ""]
    rows: list[dict[str, Any]] = (s.final or {}).get("heldout", [])
    if not tasks or not rows:
        return [*lines, "No held-out re-runs (no held-out task, no unflagged method, or the campaign was stopped).", ""]
    lines.append(f"| method | researcher | {s.config.tasks[0]} (research) | " + " | ".join(tasks) + " |")
    lines.append("|---" * (3 + len(tasks)) + "|")
    for row in rows:
        cells = [_pgr(row["tasks"].get(t, {}).get("pgr")) for t in tasks]
        lines.append(f"| `{row['method']}` | {row['researcher']} | {_pgr(row['research_pgr'])} | " + " | ".join(cells) + " |")
    verification = (s.final or {}).get("verification", [])
    if verification:
        lines += ["", "Verification on fresh seeds:", ""]
        lines += [f"- {v['experiment_id']} ({v['researcher']}): public PGR {_pgr(v['reference_pgr'])} -> private PGR "
                  f"{_pgr(v['private_pgr_mean'])} on seeds {v['seeds']}: {'passed' if v['passed'] else 'FAILED (flagged)'}"
                  for v in verification]
    return [*lines, ""]


def _spend(s: Snapshot) -> list[str]:
    hours = s.research_hours
    per_hour = s.api_dollars / hours if hours > 0 else 0.0
    lines = [
        "## Spend", "",
        f"- API: ${s.api_dollars:.2f} over {hours:.3f} researcher-hours (${per_hour:.2f} per researcher-hour)",
        f"- Wall clock: {s.wall_clock_seconds / 3600.0:.3f} h; compute: {s.compute_hours:.3f} h "
        f"over {len(s.records)} experiments",
    ]
    budget_events = [e for e in s.events if e["kind"] == "budget_reached"]
    lines += [f"- Budget reached ({e['scope']}): {e['reason']}" for e in budget_events]
    lines += ["", "| researcher | API $ | steps | experiments | best PGR |", "|---|---|---|---|---|"]
    for name, row in s.to_json()["per_researcher"].items():
        lines.append(f"| {name} | {row['api_dollars']:.2f} | {row['steps']} | {row['experiments']} | {_pgr(row['best_pgr'])} |")
    return [*lines, "", f"![PGR over research hours]({s.run.plot.name})", ""]


def render_report(run: RunFolder) -> str:
    s = take_snapshot(run)
    return "\n".join([*_setup(s), *_leaderboard(s), *_heldout(s), *_spend(s)])


def write_report(run: RunFolder) -> None:
    write_atomic(run.report, render_report(run))
