"""The tamper-resistant scoring service: hidden labels, per-researcher tokens, a public/private test split,
Ladder-released public scores, rate limits, an append-only audit log and reward-hack checks.

Trusted code (a campaign, the human's CLI) calls ``register_task`` and ``issue_tokens``, starts the server
with ``start_scorer`` and talks to it through ``ScorerClient``; sandboxes never see ``RUN/scorer``.
"""

from tools.scorer.client import ScorerClient, ScorerError
from tools.scorer.models import (
    EvaluateOut,
    FlagOut,
    Leaderboard,
    LeaderboardEntry,
    SubmissionDetail,
    SubmissionIn,
    SubmissionOut,
)
from tools.scorer.process import ScorerProcess, ScorerStartError, read_endpoint, start_scorer
from tools.scorer.settings import ScorerSettings
from tools.scorer.tasks import TaskRecord, register_task
from tools.scorer.tokens import ADMIN, issue_tokens, load_tokens

__all__ = [
    "ADMIN", "EvaluateOut", "FlagOut", "Leaderboard", "LeaderboardEntry", "ScorerClient", "ScorerError",
    "ScorerProcess", "ScorerSettings", "ScorerStartError", "SubmissionDetail", "SubmissionIn", "SubmissionOut",
    "TaskRecord", "issue_tokens", "load_tokens", "read_endpoint", "register_task", "start_scorer",
]
