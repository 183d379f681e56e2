"""The campaign graph: a supervisor runs rounds; each round fans out one session per researcher with Send,
posts a digest of the round to the forum, and checks the stop conditions; the last node runs the final phase.

Only this parent graph gets the checkpointer (researcher subgraphs inherit it), so after a kill -9 a resumed
round re-runs just the sessions that had not finished, each from its last completed step.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, Protocol, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import Send

from orchestrator.researcher_graph import SessionHost, build_researcher_graph


class CampaignState(TypedDict, total=False):
    round: int
    stop_reason: str | None
    sessions: Annotated[list[dict[str, Any]], operator.add]
    finished: bool


class CampaignHost(SessionHost, Protocol):
    def campaign_stop_reason(self, next_round: int) -> str | None: ...

    def active_researchers(self) -> list[str]: ...

    def round_started(self, round_index: int, researchers: list[str]) -> None: ...

    def round_digest(self, round_index: int, sessions: list[dict[str, Any]]) -> None: ...

    def final_phase(self, stop_reason: str) -> None: ...


def build_campaign_graph(host: CampaignHost, checkpointer: Any) -> Any:
    def supervisor(state: CampaignState) -> dict[str, Any]:
        next_round = state.get("round", 0) + 1
        reason = host.campaign_stop_reason(next_round)
        if reason is None and not host.active_researchers():
            reason = "every researcher has reached its budget"
        if reason is not None:
            return {"stop_reason": reason}
        host.round_started(next_round, host.active_researchers())
        return {"round": next_round, "stop_reason": None}

    def fan_out(state: CampaignState) -> Any:
        if state.get("stop_reason"):
            return "final"
        return [Send("researcher", {"researcher": name, "round": state["round"]}) for name in host.active_researchers()]

    def digest(state: CampaignState) -> dict[str, Any]:
        this_round = [s for s in state.get("sessions", []) if s["round"] == state["round"]]
        host.round_digest(state["round"], this_round)
        return {}

    def final(state: CampaignState) -> dict[str, Any]:
        host.final_phase(state.get("stop_reason") or "done")
        return {"finished": True}

    graph = StateGraph(CampaignState)
    graph.add_node("supervisor", supervisor)
    graph.add_node("researcher", build_researcher_graph(host))
    graph.add_node("digest", digest)
    graph.add_node("final", final)
    graph.add_edge(START, "supervisor")
    graph.add_conditional_edges("supervisor", fan_out, ["researcher", "final"])
    graph.add_edge("researcher", "digest")
    graph.add_edge("digest", "supervisor")
    graph.add_edge("final", END)
    return graph.compile(checkpointer=checkpointer)
