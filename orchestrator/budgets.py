"""Budget checks for the campaign and each researcher: API dollars, wall-clock hours, compute hours, experiments.

When a limit is reached, spending stops: an event says so once, the researcher's session ends at the next step
boundary, and new experiments are refused. Experiments already queued still finish (their compute is paid for).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from orchestrator.config import Budget, CampaignConfig
from orchestrator.ledger import EventLog, Ledger
from tools.experiments.queue import ExperimentQueue


@dataclass(frozen=True)
class Usage:
    api_dollars: float
    wall_clock_hours: float
    compute_hours: float
    experiments: int


ALL_KINDS = frozenset({"api_dollars", "wall_clock_hours", "compute_hours", "experiments"})
# The limits that end a session at once; an exhausted experiment budget only refuses new experiments (the
# researcher may still wait for, read and post what is already running) and gives it no further session.
SPENDING_KINDS = ALL_KINDS - {"experiments"}


class BudgetKeeper:
    def __init__(self, config: CampaignConfig, ledger: Ledger, queue: ExperimentQueue, events: EventLog) -> None:
        self.config = config
        self.ledger = ledger
        self.queue = queue
        self.events = events
        self._announced: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def usage(self, researcher: str | None = None) -> Usage:
        records = self.queue.all(researcher)
        spend = self.ledger.spend(researcher)
        wall = spend.research_seconds if researcher is not None else self.ledger.wall_clock_seconds()
        return Usage(
            api_dollars=spend.api_dollars,
            wall_clock_hours=wall / 3600.0,
            compute_hours=sum(r.compute_seconds for r in records) / 3600.0,
            experiments=len(records),
        )

    def exceeded(self, researcher: str | None = None, kinds: frozenset[str] = ALL_KINDS) -> str | None:
        """The first limit (among ``kinds``) reached for the campaign or this researcher, as a sentence."""
        scopes: list[tuple[str, Budget, str | None]] = [("campaign", self.config.budgets.campaign, None)]
        if researcher is not None:
            scopes.append((researcher, self.config.budgets.per_researcher, researcher))
        for scope, budget, who in scopes:
            reason = _first_reached(budget, self.usage(who), kinds)
            if reason is not None:
                self._announce(scope, reason)
                return f"{scope} budget reached: {reason}"
        return None

    def _announce(self, scope: str, reason: str) -> None:
        key = (scope, reason.split(" ", 1)[0])
        with self._lock:
            if key in self._announced:
                return
            self._announced.add(key)
        self.events.emit("budget_reached", scope=scope, reason=reason)


def _first_reached(budget: Budget, usage: Usage, kinds: frozenset[str]) -> str | None:
    checks = [
        ("api_dollars", budget.api_dollars, usage.api_dollars),
        ("wall_clock_hours", budget.wall_clock_hours, usage.wall_clock_hours),
        ("compute_hours", budget.compute_hours, usage.compute_hours),
        ("experiments", budget.experiments, usage.experiments),
    ]
    for name, limit, used in checks:
        if name in kinds and limit is not None and used >= limit:
            return f"{name} {used:.4g} of {limit:.4g}"
    return None
