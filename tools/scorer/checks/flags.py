"""A hack-check verdict: a named flag with the evidence behind it."""

from __future__ import annotations

from dataclasses import dataclass

# Every flag name a check can raise (admins may add their own names through the API).
DOES_NOT_USE_TEACHER = "does_not_use_teacher"
CONSTANT_PREDICTIONS = "constant_predictions"
MAJORITY_CLASS = "majority_class_predictions"
SOURCE_READS_OUTSIDE_DATA = "source_reads_outside_data"
SOURCE_NETWORK = "source_network_use"
SOURCE_EXECUTES_CANDIDATE = "source_executes_candidate"
SOURCE_SCORER_ACCESS = "source_scorer_access"
SOURCE_HARDCODED_PREDICTIONS = "source_hardcoded_predictions"
PGR_ABOVE_ONE = "pgr_above_one"
PGR_JUMP = "pgr_jump"
SEED_OUTLIER = "seed_outlier"
FAILED_REVERIFICATION = "failed_reverification"


@dataclass(frozen=True)
class Flag:
    """``evidence`` is shown to researchers, so it never quotes a score computed from hidden labels;
    ``detail`` (exact numbers) is for the admin only."""

    name: str
    evidence: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.name}: {self.evidence}"
