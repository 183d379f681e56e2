"""Before anything is called a result: re-execute the top entries from their commits on fresh seeds and score
them on the private split. An entry whose fresh private PGR falls well short of its public claim is flagged;
one that holds up has its "jump" flags cleared."""

from __future__ import annotations

import math
import statistics
import io
import subprocess
import tarfile
from collections.abc import Callable, Sequence
from pathlib import Path

from aar import get_logger
from tools.scorer.checks.flags import PGR_JUMP
from tools.scorer.checks.runner import MethodRunner
from tools.scorer.client import ScorerClient
from tools.scorer.models import LeaderboardEntry, VerificationIn

log = get_logger(__name__)
Materializer = Callable[[LeaderboardEntry], "str | Path"]


def git_materializer(repo: Path, dest_root: Path) -> Materializer:
    """Exports an entry's commit from the campaign's git repository and returns its method file (built-in
    method names are returned as they are)."""

    def materialize(entry: LeaderboardEntry) -> str | Path:
        target = Path(dest_root) / entry.commit
        if not target.exists():
            archive = subprocess.run(["git", "--git-dir", str(repo), "archive", "--format=tar", entry.commit],
                                     check=True, capture_output=True).stdout
            target.mkdir(parents=True)
            with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
                tar.extractall(target, filter="data")
        method_file = target / entry.method
        return method_file if method_file.is_file() else entry.method

    return materialize


def _awaiting(entry: LeaderboardEntry) -> bool:
    """Flagged only for a jump: exactly what re-execution is meant to settle."""
    return bool(entry.flags) and all(f.name == PGR_JUMP for f in entry.flags)


def verify_top_entries(
    admin: ScorerClient,
    runner_for_task: Callable[[str], MethodRunner],
    materialize: Materializer,
    task: str | None = None,
    top_k: int = 3,
    fresh_seeds: Sequence[int] = (1001, 1002, 1003),
    max_drop: float = 0.15,
    sigmas: float = 3.0,
) -> list[VerificationIn]:
    """Re-run the ``top_k`` entries per task, ranked by the public PGR they claim (entries held back only for
    a jump included: re-execution is what settles them)."""
    board = admin.leaderboard(private=True, task=task)
    candidates = board.entries + [e for e in board.flagged if _awaiting(e)]
    by_task: dict[str, list[LeaderboardEntry]] = {}
    for entry in sorted(candidates, key=lambda e: -(e.public_pgr if e.public_pgr is not None else -math.inf)):
        by_task.setdefault(entry.task, []).append(entry)
    results: list[VerificationIn] = []
    for task_name, entries in sorted(by_task.items()):
        runner = runner_for_task(task_name)
        for entry in entries[:top_k]:
            method = materialize(entry)
            fresh = [admin.evaluate(task_name, runner(method, seed, False).tolist()).private_pgr for seed in fresh_seeds]
            mean = statistics.fmean(fresh)
            se = statistics.stdev(fresh) / math.sqrt(len(fresh)) if len(fresh) > 1 else 0.0
            reference = entry.public_pgr if entry.public_pgr is not None else mean
            tolerance = max(max_drop, sigmas * se)
            passed = mean >= reference - tolerance
            detail = (f"fresh seeds {list(fresh_seeds)}: private PGR {mean:.3f} ± {se:.3f} against the public "
                      f"{reference:.3f} it claimed (tolerance {tolerance:.3f})")
            result = VerificationIn(researcher=entry.researcher, experiment_id=entry.experiment_id, task=task_name,
                                    seeds=list(fresh_seeds), private_pgr_mean=mean, reference_pgr=reference,
                                    passed=passed, detail=detail)
            admin.record_verification(result)
            log.info("re-executed a top entry", researcher=entry.researcher, experiment=entry.experiment_id,
                     passed=passed, private_pgr=round(mean, 4))
            results.append(result)
    return results
