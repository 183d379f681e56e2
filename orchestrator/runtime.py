"""The live campaign: every service a running campaign holds, and the host the LangGraph nodes call into.

Nothing here is checkpointed: it is rebuilt from the run folder on start and on resume, and every side effect
it performs for a node is idempotent by step id (forum posts, commits, experiments, ledger rows).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from aar import RunFolder
from agents.pricing import PriceTable
from agents.providers.config import build_provider
from agents.researcher import Researcher, SessionLimits, SessionState
from orchestrator.budgets import SPENDING_KINDS, BudgetKeeper
from orchestrator.config import CampaignConfig
from orchestrator.digest import round_digest_text
from orchestrator.ledger import EventLog, Ledger
from tools.codestore import CodeStore
from tools.experiments import ExperimentService, leaderboard_entries
from tools.forum import Forum
from tools.registry import ToolContext, ToolRegistry

SUPERVISOR = "supervisor"


@dataclass
class CampaignServices:
    """The shared services; built by :func:`orchestrator.setup.open_services`."""

    run: RunFolder
    config: CampaignConfig
    events: EventLog
    ledger: Ledger
    forum: Forum
    codestore: CodeStore
    experiments: ExperimentService
    budgets: BudgetKeeper
    registry: ToolRegistry
    scorer: Any = None  # the scorer process (url, stop())
    admin: Any = None  # a ScorerClient with the admin token (trusted code only)
    bundles: Any = None  # PublicBundles
    sandboxes: dict[str, Any] = field(default_factory=dict)
    final_phase: Any = None  # orchestrator.final.FinalPhase, set by orchestrator.campaign.execute


class CampaignHost:
    """Implements the graph's host protocols over :class:`CampaignServices`."""

    def __init__(self, services: CampaignServices) -> None:
        self.s = services
        self.config = services.config
        self._researchers: dict[str, Researcher] = {}
        self._contexts: dict[str, ToolContext] = {}
        self._lock = threading.Lock()

    # -- researchers --------------------------------------------------------------------------------
    def researcher(self, name: str) -> Researcher:
        with self._lock:
            if name not in self._researchers:
                provider = build_provider(self.config.provider_of(name), PriceTable(self.config.prices))
                limits = SessionLimits(
                    max_steps=max(2, self.config.session.max_steps),
                    max_tokens_per_turn=self.config.session.max_tokens,
                )
                self._researchers[name] = Researcher(
                    name, provider, self.s.registry, self.s.run, self.config.seed_of(name),
                    limits=limits, tasks=self.config.tasks,
                )
            return self._researchers[name]

    def tool_context(self, name: str) -> ToolContext:
        with self._lock:
            if name not in self._contexts:
                workspace = self.s.codestore.ensure_researcher(name)
                self._contexts[name] = ToolContext(
                    researcher=name,
                    step_id=f"{name}:ctx",
                    workspace=workspace,
                    sandbox=self.s.sandboxes.get(name),
                    codestore=self.s.codestore,
                    forum=self.s.forum,
                    notebook_path=self.s.run.notebook(name),
                    experiments=self.s.experiments,
                    scorer=None,
                )
            return self._contexts[name]

    def should_halt(self, name: str) -> str | None:
        if self.s.run.stop_request.exists():
            return "stop requested"
        return self.s.budgets.exceeded(name, SPENDING_KINDS)

    def provider_unavailable(self, name: str, error: str) -> None:
        self.s.events.emit("provider_unavailable", researcher=name, error=error)

    def record_step(self, name: str, round_index: int, state: SessionState, kind: str, seconds: float, cost: float) -> None:
        self.s.ledger.record_step(
            f"{name}:s{state.session}:t{state.turn}:{kind}", name, round_index, state.session, kind, seconds, cost,
            state.usage.input, state.usage.output,
        )
        self.s.ledger.clock_checkpoint()

    # -- the supervisor ----------------------------------------------------------------------------
    def campaign_stop_reason(self, next_round: int) -> str | None:
        if self.s.run.stop_request.exists():
            return "stop requested"
        reached = self.s.budgets.exceeded()
        if reached:
            return reached
        best = self.best_pgr()
        if self.config.target_pgr is not None and best is not None and best >= self.config.target_pgr:
            return f"target PGR {self.config.target_pgr} reached ({best:.3f})"
        if next_round > self.config.rounds:
            return f"all {self.config.rounds} rounds done"
        return None

    def active_researchers(self) -> list[str]:
        return [name for name in self.config.researcher_ids() if self.s.budgets.exceeded(name) is None]

    def best_pgr(self) -> float | None:
        entries = [e for e in leaderboard_entries(self.s.experiments.records(), exact=True) if not e["flags"]]
        return max((e["pgr"] for e in entries), default=None)

    def round_started(self, round_index: int, researchers: list[str]) -> None:
        self.s.events.emit("round_start", round=round_index, researchers=researchers)

    def round_digest(self, round_index: int, sessions: list[dict[str, Any]]) -> None:
        title, body = round_digest_text(round_index, sessions, self.s.experiments.records())
        self.s.forum.post(SUPERVISOR, title, body, tags=["digest"], step_id=f"digest:round{round_index}")
        self.s.events.emit("round_end", round=round_index, sessions=len(sessions))

    def final_phase(self, stop_reason: str) -> None:
        self.s.events.emit("campaign_stopping", reason=stop_reason)
        if self.s.final_phase is not None:
            self.s.final_phase(stop_reason)
        self.s.events.emit("campaign_end", reason=stop_reason)
