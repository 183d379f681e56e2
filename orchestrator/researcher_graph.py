"""One researcher's session as a LangGraph subgraph: start -> model <-> tools -> end.

The subgraph keeps the agents package's ``SessionState`` (JSON) in its state, so the parent's SqliteSaver
checkpoints it after every node; a resumed campaign continues each unfinished session from its last
completed step (the tool step's effects are idempotent by step id, so a re-run repeats none).
"""

from __future__ import annotations

import operator
import time
from typing import Annotated, Any, Protocol, TypedDict

from langgraph.graph import END, START, StateGraph

from agents.providers.base import AssistantTurn, ProviderUnavailable
from agents.researcher import SessionState


class ResearcherInput(TypedDict, total=False):
    researcher: str
    round: int


class ResearcherState(ResearcherInput, total=False):
    session: dict[str, Any]
    turn: dict[str, Any] | None
    sessions: Annotated[list[dict[str, Any]], operator.add]


class ResearcherOutput(TypedDict):
    sessions: Annotated[list[dict[str, Any]], operator.add]


class SessionHost(Protocol):
    """What the subgraph needs from the running campaign (a live object, never part of the checkpoint)."""

    def researcher(self, name: str) -> Any: ...

    def tool_context(self, name: str) -> Any: ...

    def should_halt(self, name: str) -> str | None: ...

    def provider_unavailable(self, name: str, error: str) -> None: ...

    def record_step(self, name: str, round_index: int, state: SessionState, kind: str, seconds: float, cost: float) -> None: ...


def build_researcher_graph(host: SessionHost) -> Any:
    def start(state: ResearcherState) -> dict[str, Any]:
        name, round_index = state["researcher"], state["round"]
        session = host.researcher(name).start_session(round_index, host.tool_context(name))
        return {"session": session.to_dict(), "turn": None}

    def model(state: ResearcherState) -> dict[str, Any]:
        name = state["researcher"]
        session = SessionState.from_dict(state["session"])
        cost_before, started = session.cost_usd, time.perf_counter()
        try:
            turn = host.researcher(name).model_step(session)
        except ProviderUnavailable as error:
            # One researcher's provider outage pauses that researcher until the next round, never the campaign
            # (model_step rolled its turn back, so the same step is asked again in the next session).
            host.provider_unavailable(name, str(error))
            host.researcher(name).end_session(session, "provider_unavailable")
            return {"session": session.to_dict(), "turn": None}
        host.record_step(name, state["round"], session, "model", time.perf_counter() - started, session.cost_usd - cost_before)
        return {"session": session.to_dict(), "turn": turn.to_dict()}

    def tools(state: ResearcherState) -> dict[str, Any]:
        name = state["researcher"]
        session = SessionState.from_dict(state["session"])
        turn = AssistantTurn.from_dict(state["turn"] or {})
        started = time.perf_counter()
        host.researcher(name).tool_step(session, turn, host.tool_context(name))
        host.record_step(name, state["round"], session, "tools", time.perf_counter() - started, 0.0)
        return {"session": session.to_dict(), "turn": None}

    def halt(state: ResearcherState) -> dict[str, Any]:
        """A budget or a stop request ends the session at this step boundary, without another model call."""
        session = SessionState.from_dict(state["session"])
        host.researcher(state["researcher"]).end_session(session, host.should_halt(state["researcher"]) or "halted")
        return {"session": session.to_dict()}

    def finish(state: ResearcherState) -> dict[str, Any]:
        session = SessionState.from_dict(state["session"])
        summary = {
            "researcher": state["researcher"],
            "round": state["round"],
            "end_reason": session.end_reason,
            "turns": session.turn,
            "cost_usd": session.cost_usd,
            "seconds": session.model_seconds + session.tool_seconds,
        }
        return {"sessions": [summary]}

    def next_step(state: ResearcherState) -> str:
        session = state["session"]
        if session.get("end_reason") is not None:
            return "finish"
        if host.should_halt(state["researcher"]):
            return "halt"
        turn = state.get("turn")
        if turn and any(block.get("type") == "tool_use" for block in turn.get("content", [])):
            return "tools"
        return "model"

    graph = StateGraph(ResearcherState, input_schema=ResearcherInput, output_schema=ResearcherOutput)
    graph.add_node("start", start)
    graph.add_node("model", model)
    graph.add_node("tools", tools)
    graph.add_node("halt", halt)
    graph.add_node("finish", finish)
    graph.add_edge(START, "start")
    for node in ("start", "model", "tools"):
        graph.add_conditional_edges(node, next_step, ["model", "tools", "halt", "finish"])
    graph.add_edge("halt", "finish")
    graph.add_edge("finish", END)
    return graph.compile()
