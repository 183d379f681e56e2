"""Replay: a recorded scripted session re-run with no model gives the same tool calls and results; a changed
environment is reported as a divergence."""

from __future__ import annotations

from typing import Any

import pytest

from agents import Researcher, list_seeds
from agents.providers.config import ReplayConfig, ScriptedConfig
from agents.providers.replay import ReplayDiverged, ReplayProvider
from agents.providers.scripted import ScriptedProvider


def record_two_sessions(lab: Any) -> None:
    researcher = Researcher("r0", ScriptedProvider(ScriptedConfig(seed=3)), lab.registry(), lab.run, list_seeds()[2])
    for session in (1, 2):
        researcher.run_session(session, lab.context("r0"))


def replay(lab: Any, source: Any, on_divergence: str = "report") -> ReplayProvider:
    provider = ReplayProvider(ReplayConfig(path=source.run.root, on_divergence=on_divergence))
    researcher = Researcher("r0", provider, lab.registry(), lab.run, list_seeds()[2])
    for session in (1, 2):
        researcher.run_session(session, lab.context("r0"))
    return provider


def test_replay_reproduces_the_recorded_tool_calls_and_results(make_lab: Any, same_tool_history: Any) -> None:
    recorded, replayed = make_lab("recorded"), make_lab("replayed")
    record_two_sessions(recorded)
    provider = replay(replayed, recorded)
    assert provider.divergences == []
    remapped = [same_tool_history(recorded.run, replayed.run, "r0", session) for session in (1, 2)]
    assert remapped[0] >= 1, "experiment ids (and commit ids, which depend on the time) are made anew and mapped"
    assert replayed.run.notebook("r0").read_text() == recorded.run.notebook("r0").read_text()


def test_replay_reports_where_the_environment_answers_differently(make_lab: Any) -> None:
    recorded, replayed = make_lab("recorded"), make_lab("replayed")
    record_two_sessions(recorded)
    replayed.score_shift = 0.3
    provider = replay(replayed, recorded)
    first = provider.divergences[0]
    assert (first.researcher, first.session, first.tool) == ("r0", 1, "wait_experiment")
    assert '"pgr_mean": 0.' in first.recorded and first.recorded != first.replayed


def test_replay_can_stop_at_the_first_divergence(make_lab: Any) -> None:
    recorded, replayed = make_lab("recorded"), make_lab("replayed")
    record_two_sessions(recorded)
    replayed.score_shift = 0.3
    with pytest.raises(ReplayDiverged, match=r"session 1 turn \d+ call 0 \(wait_experiment\).*pgr_mean"):
        replay(replayed, recorded, on_divergence="stop")
