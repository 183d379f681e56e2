"""The scripted researcher: directions, borrowing from the others, and method files the core accepts."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from agents import Researcher, SessionLimits, list_seeds
from agents.providers.config import ScriptedConfig
from agents.providers.scripted import ScriptedProvider
from agents.providers.scripted_methods import (
    HYPERPARAMETERS,
    choose_method,
    method_file,
    parse_method_file,
    preferred_methods,
)
from agents.transcript import read_transcript


def test_directions_lean_toward_their_methods() -> None:
    seeds = {seed.name: seed for seed in list_seeds()}
    assert preferred_methods(seeds["unsupervised_elicitation"].title)[0] == "zero_shot"
    assert preferred_methods(seeds["ensembling"].title)[0] == "bootstrap"
    assert set(preferred_methods(seeds["evolutionary_search"].title)) == set(HYPERPARAMETERS)
    assert set(preferred_methods("Something else", "no hints here")) == set(HYPERPARAMETERS)


class Reached(Exception):
    """The built-in accepted its hyper-parameters and went on to load the model."""


class ContextStub:
    weak_labels = np.array([0.2, 0.9, 0.6])

    def load_strong(self) -> Any:
        raise Reached


@pytest.mark.parametrize("method", sorted(HYPERPARAMETERS))
def test_method_files_call_the_core_builtins_with_accepted_hyperparameters(method: str) -> None:
    from w2s_core.methods import get_builtin

    choice = choose_method(random.Random(0), [method])
    assert parse_method_file(method_file(choice, "r0", 1, "direction")) == choice
    with pytest.raises(Reached):
        get_builtin(method)(ContextStub(), **choice.params)


def test_a_researcher_borrows_the_best_method_of_another(lab: Any) -> None:
    seeds = {seed.name: seed for seed in list_seeds()}

    def scripted(name: str, direction: str) -> Researcher:
        provider = ScriptedProvider(ScriptedConfig(seed=1))
        return Researcher(name, provider, lab.registry(), lab.run, seeds[direction], SessionLimits(max_steps=20))

    weak, strong = scripted("r0", "unsupervised_elicitation"), scripted("r1", "confidence_calibration")
    for session in (1, 2):
        for researcher in (weak, strong):
            researcher.run_session(session, lab.context(researcher.name))
    calls = [record for record in read_transcript(lab.run.transcript("r0", 2)) if record["kind"] == "tool_result"]
    copied = [record for record in calls if record["name"] == "code_copy"]
    assert copied and not copied[0]["is_error"], "r0 (zero-shot, weaker) copies r1's better method"
    assert copied[0]["input"]["src"].endswith("_r1.py")
    written = next(record for record in calls if record["name"] == "write_file")
    assert parse_method_file(written["input"]["content"]).method in ("logconf", "soft_xent", "confident_only")
    posted = next(record for record in calls if record["name"] == "forum_post")
    assert "Built on" in posted["input"]["body"] and "PGR" in posted["input"]["title"]


def test_a_flagged_method_is_reported_with_its_flags_and_not_tried_again(lab: Any) -> None:
    seed = next(seed for seed in list_seeds() if seed.name == "unsupervised_elicitation")
    researcher = Researcher("r0", ScriptedProvider(ScriptedConfig(seed=2)), lab.registry(), lab.run, seed)
    state = researcher.run_session(1, lab.context("r0"))
    first = parse_method_file((lab.run.workspace("r0") / "methods/s01_r0.py").read_text())
    assert first is not None and state.end_reason == "end_turn"
    lab.executor.flagged = first.method
    researcher.run_session(2, lab.context("r0"))  # the same method again, now flagged
    researcher.run_session(3, lab.context("r0"))
    notebook = lab.run.notebook("r0").read_text()
    assert f"- s2 method={first.method}" in notebook and "no score (flagged: constant_predictions)" in notebook
    third = parse_method_file((lab.run.workspace("r0") / "methods/s03_r0.py").read_text())
    assert third is not None and third.method != first.method
    assert any("flagged" in title and "constant_predictions" in title for title in lab.post_titles())
