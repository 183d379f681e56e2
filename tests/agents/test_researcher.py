"""The researcher loop: sessions, limits, step ids, notebook carry-over, bad tool calls, provider outages."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx2
import pytest

from agents import Researcher, SessionLimits, SessionState, list_seeds
from agents.pricing import PriceTable
from agents.providers.anthropic import AnthropicProvider
from agents.providers.base import AssistantTurn, ModelRequest, ProviderUnavailable, Usage
from agents.providers.config import AnthropicConfig, ScriptedConfig
from agents.providers.scripted import ScriptedProvider
from agents.transcript import read_transcript

STEP_ID = re.compile(r"^r0:s(\d+):t(\d+):c(\d+)$")


def scripted_researcher(lab: Any, name: str = "r0", seed: int = 0, **limits: Any) -> Researcher:
    return Researcher(
        name,
        ScriptedProvider(ScriptedConfig(seed=seed)),
        lab.registry(),
        lab.run,
        list_seeds()[0],
        SessionLimits(**limits),
    )


def records(lab: Any, name: str, session: int, kind: str) -> list[dict[str, Any]]:
    return [record for record in read_transcript(lab.run.transcript(name, session)) if record["kind"] == kind]


def test_a_scripted_session_uses_the_research_tools_with_step_ids(lab: Any) -> None:
    state = scripted_researcher(lab).run_session(1, lab.context("r0"))
    assert state.end_reason == "end_turn"
    results = records(lab, "r0", 1, "tool_result")
    names = [record["name"] for record in results]
    for tool in (
        "leaderboard",
        "forum_feed",
        "code_branches",
        "write_file",
        "run_command",
        "run_experiment",
        "wait_experiment",
        "forum_post",
        "notebook_write",
    ):
        assert tool in names
    assert not any(record["is_error"] for record in results if record["name"] != "run_command")
    for record in results:
        match = STEP_ID.match(record["step_id"])
        assert match, record["step_id"]
        assert (int(match[1]), int(match[2]), int(match[3])) == (1, record["turn"], record["call"])
    assert any("PGR" in title for title in lab.post_titles())


def test_the_next_session_starts_fresh_with_the_notebook(lab: Any) -> None:
    researcher = scripted_researcher(lab)
    researcher.run_session(1, lab.context("r0"))
    notebook = lab.run.notebook("r0").read_text()
    assert notebook.startswith("- s1 method=")
    second = researcher.start_session(2, lab.context("r0"))
    assert len(second.messages) == 1, "a new session does not carry the old conversation"
    opening = second.messages[0]["content"][0]["text"]
    assert notebook.strip() in opening
    experiment_id = records(lab, "r0", 1, "tool_result")[5]["content"].split('"experiment_id": "')[1][:14]
    assert "## Forum feed" in opening and "## Leaderboard" in opening and experiment_id in opening


def test_at_the_step_limit_the_researcher_gets_one_turn_to_write_its_notebook(lab: Any) -> None:
    state = scripted_researcher(lab, max_steps=4).run_session(1, lab.context("r0"))
    assert state.end_reason == "max_steps"
    assert state.turn == 4
    assert records(lab, "r0", 1, "tool_result")[-1]["name"] == "notebook_write"
    assert lab.run.notebook("r0").read_text().startswith("- s1 method=")
    assert "no score (queued)" in lab.run.notebook("r0").read_text()
    assert records(lab, "r0", 1, "session_end")[0]["reason"] == "max_steps"


def test_scripted_sessions_are_deterministic_for_a_seed(make_lab: Any, same_tool_history: Any) -> None:
    one, two = make_lab("one"), make_lab("two")
    for current in (one, two):
        scripted_researcher(current, seed=7).run_session(1, current.context("r0"))
    same_tool_history(one.run, two.run, "r0", 1)


def test_state_round_trips_through_json(lab: Any) -> None:
    researcher = scripted_researcher(lab)
    state = researcher.start_session(1, lab.context("r0"))
    turn = researcher.model_step(state)
    researcher.tool_step(state, turn, lab.context("r0"))
    restored = SessionState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert restored == state
    assert AssistantTurn.from_dict(json.loads(json.dumps(turn.to_dict()))) == turn


class FlakyProvider:
    name = "flaky"

    def __init__(self, down: bool = True) -> None:
        self.down = down

    def complete(self, request: ModelRequest) -> AssistantTurn:
        if self.down:
            raise ProviderUnavailable("flaky: still failing after 8 attempts")
        return AssistantTurn([{"type": "text", "text": "back"}], "end_turn", Usage(input=3, output=1), "flaky")


def test_a_provider_outage_pauses_the_researcher_and_the_same_turn_resumes(lab: Any) -> None:
    provider = FlakyProvider()
    researcher = Researcher("r0", provider, lab.registry(), lab.run, list_seeds()[0])
    state = researcher.start_session(1, lab.context("r0"))
    with pytest.raises(ProviderUnavailable):
        researcher.model_step(state)
    assert state.turn == 0 and not state.done
    provider.down = False
    researcher.model_step(state)
    assert state.turn == 1 and state.end_reason == "end_turn"
    kinds = [record["kind"] for record in read_transcript(lab.run.transcript("r0", 1))]
    assert kinds == ["session_start", "request", "provider_unavailable", "request", "response", "session_end"]


def test_secrets_are_redacted_from_transcripts(lab: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "sk-ant-api03-very-secret-key-value"
    monkeypatch.setenv("ANTHROPIC_API_KEY", secret)
    from tools.scorer.tokens import issue_tokens

    token = issue_tokens(lab.run, ["r0"])["r0"]
    lab.run.notebook("r0").parent.mkdir(parents=True, exist_ok=True)
    lab.run.notebook("r0").write_text(f"my key is {secret} and my scorer token is {token}\n")
    researcher = Researcher("r0", FlakyProvider(down=False), lab.registry(), lab.run, list_seeds()[0])
    researcher.model_step(researcher.start_session(1, lab.context("r0")))
    text = lab.run.transcript("r0", 1).read_text()
    assert secret not in text and token not in text
    assert "[REDACTED]" in text


def anthropic_answers(bodies: list[dict[str, Any]]) -> Any:
    turns = [
        {
            "content": [
                {"type": "tool_use", "id": "toolu_a", "name": "launch_rockets", "input": {}},
                {"type": "tool_use", "id": "toolu_b", "name": "write_file", "input": {"path": "x.py"}},
                {
                    "type": "tool_use",
                    "id": "toolu_c",
                    "name": "wait_experiment",
                    "input": {"experiment_id": "exp-9999"},
                },
            ],
            "stop_reason": "tool_use",
        },
        {"content": [{"type": "text", "text": "I will stop here."}], "stop_reason": "end_turn"},
    ]

    def handle(request: httpx2.Request) -> httpx2.Response:
        bodies.append(json.loads(request.content))
        answer = turns[len(bodies) - 1]
        return httpx2.Response(
            200,
            json={
                "id": "msg",
                "type": "message",
                "role": "assistant",
                "model": "claude-opus-4-6",
                "stop_sequence": None,
                "usage": {
                    "input_tokens": 50,
                    "output_tokens": 10,
                    "cache_creation_input_tokens": 0,
                    "cache_read_input_tokens": 0,
                },
                **answer,
            },
        )

    return handle


def test_malformed_tool_calls_get_error_results_and_the_loop_goes_on(lab: Any) -> None:
    bodies: list[dict[str, Any]] = []
    client = httpx2.Client(transport=httpx2.MockTransport(anthropic_answers(bodies)))
    provider = AnthropicProvider(AnthropicConfig(), PriceTable(), api_key="sk-ant-test-000000000", http_client=client)
    researcher = Researcher("r0", provider, lab.registry(), lab.run, list_seeds()[0])
    state = researcher.run_session(1, lab.context("r0"))
    assert state.end_reason == "end_turn" and state.turn == 2
    results = bodies[1]["messages"][-1]["content"]
    assert [block["tool_use_id"] for block in results] == ["toolu_a", "toolu_b", "toolu_c"]
    assert all(block["is_error"] for block in results)
    assert "unknown tool" in results[0]["content"] and "write_file" in results[0]["content"]
    assert "content" in results[1]["content"]  # the missing required argument is named
    assert "exp-9999" in results[2]["content"]
    assert state.cost_usd == pytest.approx(2 * (50 * 5 + 10 * 25) / 1e6)


@pytest.mark.parametrize(
    ("limits", "reason"),
    [
        ({"max_context_tokens": 100}, "max_context_tokens"),
        ({"max_wall_s": 0.001}, "max_wall_s"),
    ],
)
def test_context_and_wall_time_limits_end_the_session_after_a_notebook_turn(
    lab: Any, limits: dict[str, Any], reason: str
) -> None:
    state = scripted_researcher(lab, **limits).run_session(1, lab.context("r0"))
    assert (state.end_reason, state.turn) == (reason, 2)
    wrap_up = state.messages[-3]["content"][-1]
    assert wrap_up["type"] == "text" and "Write your notebook now" in wrap_up["text"]
    assert [record["name"] for record in records(lab, "r0", 1, "tool_result")][-1] == "notebook_write"


class ScriptedTurns:
    name = "turns"

    def __init__(self, *turns: AssistantTurn) -> None:
        self.turns = list(turns)
        self.requests: list[ModelRequest] = []

    def complete(self, request: ModelRequest) -> AssistantTurn:
        self.requests.append(request)
        return self.turns.pop(0)


def test_a_reply_cut_at_max_tokens_is_asked_to_continue(lab: Any) -> None:
    provider = ScriptedTurns(
        AssistantTurn([{"type": "text", "text": "My plan is long and"}], "max_tokens", Usage(output=8192), "m"),
        AssistantTurn([{"type": "text", "text": "short now."}], "end_turn", Usage(output=3), "m"),
    )
    state = Researcher("r0", provider, lab.registry(), lab.run, list_seeds()[0]).run_session(1, lab.context("r0"))
    assert state.end_reason == "end_turn" and state.turn == 2
    last = provider.requests[1].messages[-1]
    assert last["role"] == "user" and "cut off at the output limit" in last["content"][0]["text"]


def test_a_refusal_ends_the_session(lab: Any) -> None:
    provider = ScriptedTurns(
        AssistantTurn([{"type": "text", "text": "I can't help with that."}], "refusal", Usage(), "m")
    )
    state = Researcher("r0", provider, lab.registry(), lab.run, list_seeds()[0]).run_session(1, lab.context("r0"))
    assert state.end_reason == "refusal"


def test_a_session_ended_from_outside_is_closed_in_its_transcript(lab: Any) -> None:
    researcher = scripted_researcher(lab)
    state = researcher.start_session(1, lab.context("r0"))
    researcher.tool_step(state, researcher.model_step(state), lab.context("r0"))
    researcher.end_session(state, "budget")
    researcher.end_session(state, "again")
    assert state.end_reason == "budget"
    assert [record["reason"] for record in records(lab, "r0", 1, "session_end")] == ["budget"]


def test_a_tool_step_rerun_after_a_crash_repeats_no_effect(lab: Any) -> None:
    researcher = scripted_researcher(lab)
    ctx = lab.context("r0")
    state = researcher.start_session(1, ctx)
    turn = researcher.model_step(state)
    while turn.tool_calls[0]["name"] != "run_experiment":
        researcher.tool_step(state, turn, ctx)
        turn = researcher.model_step(state)
    first = researcher.tool_step(SessionState.from_dict(state.to_dict()), turn, ctx)
    again = researcher.tool_step(SessionState.from_dict(state.to_dict()), turn, ctx)  # the node re-run on resume
    ids = [json.loads(result[0]["content"]) for result in (first, again)]
    assert [(i["experiment_id"], i["commit"]) for i in ids][0] == [(i["experiment_id"], i["commit"]) for i in ids][1]
    assert len(lab.service.records("r0")) == 1


class CountingProvider(ScriptedProvider):
    def __init__(self) -> None:
        super().__init__(ScriptedConfig(seed=0))
        self.calls = 0

    def complete(self, request: ModelRequest) -> AssistantTurn:
        self.calls += 1
        return super().complete(request)


def test_a_model_step_rerun_after_a_crash_reuses_the_recorded_answer(lab: Any) -> None:
    first = Researcher("r0", CountingProvider(), lab.registry(), lab.run, list_seeds()[0])
    state = first.start_session(1, lab.context("r0"))
    checkpoint = state.to_dict()  # the orchestrator's last checkpoint before the model node
    answered = first.model_step(state)
    # the process dies here; a new one resumes from the checkpoint and runs the model node again
    provider = CountingProvider()
    resumed = Researcher("r0", provider, lab.registry(), lab.run, list_seeds()[0])
    again = SessionState.from_dict(checkpoint)
    assert resumed.model_step(again) == answered
    assert provider.calls == 0
    assert again.messages == state.messages
    resumed.tool_step(again, answered, lab.context("r0"))
    resumed.model_step(again)
    assert provider.calls == 1, "later turns are asked for again"
    reused = [record["reused"] for record in records(lab, "r0", 1, "response")]
    assert reused == [False, True, False]


def test_a_context_window_stop_ends_the_session(lab: Any) -> None:
    provider = ScriptedTurns(AssistantTurn([], "model_context_window_exceeded", Usage(), "m"))
    state = Researcher("r0", provider, lab.registry(), lab.run, list_seeds()[0]).run_session(1, lab.context("r0"))
    assert state.end_reason == "context_window"
    assert [message["role"] for message in state.messages] == ["user"], "no empty assistant turn is kept"


def test_the_scripted_researcher_does_not_run_a_method_that_failed_its_check(
    lab: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = lab.context("r0")
    shell = type(ctx.sandbox)
    broken = shell.Outcome(exit_code=1, output="SyntaxError: invalid syntax")
    monkeypatch.setattr(shell, "exec", lambda self, command, timeout_s, cwd="/workspace": broken)
    state = scripted_researcher(lab).run_session(1, ctx)
    names = [record["name"] for record in records(lab, "r0", 1, "tool_result")]
    assert "run_experiment" not in names and names[-2:] == ["forum_post", "notebook_write"]
    assert state.end_reason == "end_turn"
    assert "failed its check" in lab.run.notebook("r0").read_text()
