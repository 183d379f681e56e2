"""The supervisor's round digest: what changed on the leaderboard and which flags were raised this round."""

from __future__ import annotations

from typing import Any

from tools.experiments import ExperimentRecord, leaderboard_entries


def round_digest_text(round_index: int, sessions: list[dict[str, Any]], records: list[ExperimentRecord]) -> tuple[str, str]:
    finished = [r for r in records if r.state in ("done", "flagged", "failed")]
    top = leaderboard_entries(records, limit=5)
    flagged = [r for r in finished if r.flags]
    lines = [f"Round {round_index}: {len(sessions)} sessions, {len(finished)} experiments finished so far.", ""]
    lines.append("Leaderboard (top 5):")
    if not top:
        lines.append("- no scored experiment yet")
    for entry in top:
        flags = f" FLAGGED {','.join(entry['flags'])}" if entry["flags"] else ""
        lines.append(
            f"- #{entry['rank']} {entry['researcher']} {entry['method']} ({entry['experiment_id']}, "
            f"commit {str(entry['commit'])[:8]}): PGR {entry['pgr']:.3f}{flags}"
        )
    if flagged:
        lines += ["", "Flagged experiments (disqualified):"]
        lines += [f"- {r.experiment_id} by {r.researcher}: {', '.join(r.flags)}" for r in flagged]
    ended = sorted({str(s.get("end_reason")) for s in sessions})
    lines += ["", f"Sessions ended by: {', '.join(ended) or 'n/a'}"]
    return f"Round {round_index} digest", "\n".join(lines)
