"""What crosses the scorer's HTTP boundary (pydantic, extra fields forbidden)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

API = "/v1"  # the URL prefix of every scorer endpoint
SCORED_SPLIT = "test"


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SubmissionIn(_Wire):
    """Probabilities P(label 1) for every item of the task's test split, in test order, with provenance."""

    task: str = Field(min_length=1, max_length=200)
    split: str = SCORED_SPLIT
    probs: list[float]
    researcher: str = Field(min_length=1, max_length=64)
    experiment_id: str = Field(min_length=1, max_length=200)
    commit: str = Field(min_length=1, max_length=100)
    method: str = Field(min_length=1, max_length=500)
    seed: int


class FlagOut(_Wire):
    id: int
    name: str
    evidence: str
    source: str
    submission_id: int | None = None
    cleared: bool = False
    detail: str | None = None  # exact numbers behind the flag: admin views only


class _SubmissionKey(_Wire):
    submission_id: int
    researcher: str
    task: str
    experiment_id: str
    seed: int


class SubmissionOut(_SubmissionKey):
    """The researcher's view: public PGR only under the Ladder rule, never the raw score.

    ``public_pgr`` is this submission's public PGR (rounded down to the release precision) when it beat the
    researcher's best by the margin, else None; ``best_public_pgr`` is the researcher's best release on the task.
    """

    public_pgr: float | None
    new_best: bool
    best_public_pgr: float | None
    flags: list[FlagOut] = Field(default_factory=list)
    replayed: bool = False


class SubmissionDetail(_SubmissionKey):
    """The admin's view of one submission: exact scores on both parts."""

    commit: str
    method: str
    created_at: float
    public_acc: float
    private_acc: float
    public_pgr: float
    private_pgr: float
    overall_pgr: float
    released_pgr: float | None
    flags: list[FlagOut] = Field(default_factory=list)


class LeaderboardEntry(_Wire):
    rank: int | None
    researcher: str
    task: str
    experiment_id: str
    method: str
    commit: str
    pgr: float | None
    n_seeds: int
    public_pgr: float | None = None
    private_pgr_se: float | None = None
    verified_pgr: float | None = None
    flags: list[FlagOut] = Field(default_factory=list)


class Leaderboard(_Wire):
    """Ranked unflagged entries, plus flagged experiments with the reasons they are excluded."""

    private: bool
    entries: list[LeaderboardEntry]
    flagged: list[LeaderboardEntry]


class FlagIn(_Wire):
    submission_id: int
    flag: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9_]+$")
    evidence: str = Field(min_length=1, max_length=20_000)
    detail: str = Field(default="", max_length=20_000)


class ClearFlagIn(_Wire):
    reason: str = Field(min_length=1, max_length=2000)


class EvaluateIn(_Wire):
    """Admin-only scoring of probabilities that is not a submission (teacher ablation, re-execution)."""

    task: str
    probs: list[float]


class EvaluateOut(_Wire):
    task: str
    public_acc: float
    private_acc: float
    public_pgr: float
    private_pgr: float
    overall_acc: float
    overall_pgr: float


class VerificationIn(_Wire):
    researcher: str
    experiment_id: str
    task: str
    seeds: list[int]
    private_pgr_mean: float
    reference_pgr: float
    passed: bool
    detail: str


class AuditRecord(_Wire):
    """One request as the audit log keeps it."""

    principal: str
    role: str
    client: str
    http_method: str
    path: str
    action: str
    status: int
    outcome: str


class AuditEntry(AuditRecord):
    id: int
    at: float
