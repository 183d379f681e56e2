"""Provider configs, the --model parser, preflight, prices, seeds, and the agents' CLI commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from aar import ConfigError
from agents import Researcher, list_seeds, parse_model, preflight
from agents.cli import replay_command, seeds_app
from agents.pricing import PriceTable
from agents.providers.base import Usage
from agents.providers.config import (
    AnthropicConfig,
    OpenAICompatibleConfig,
    ReplayConfig,
    ScriptedConfig,
    build_provider,
)
from agents.providers.scripted import ScriptedProvider

# The agents' commands mounted as in the aar root (without importing every other package's CLI).
cli = typer.Typer()
cli.add_typer(seeds_app, name="seeds")
cli.command("replay")(replay_command)


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": "160"})


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("scripted", ScriptedConfig(seed=0)),
        ("scripted:5", ScriptedConfig(seed=5)),
        ("claude-sonnet-4-5", AnthropicConfig(model="claude-sonnet-4-5")),
        ("replay:runs/demo", ReplayConfig(path=Path("runs/demo"))),
        (
            "openai:qwen3-4b@http://127.0.0.1:8000/v1",
            OpenAICompatibleConfig(model="qwen3-4b", base_url="http://127.0.0.1:8000/v1"),
        ),
    ],
)
def test_model_strings(spec: str, expected: Any) -> None:
    assert parse_model(spec) == expected


@pytest.mark.parametrize("spec", ["gpt-4o", "openai:model", "openai:m@ftp://x", "scripted:x", "replay:"])
def test_bad_model_strings_name_the_forms(spec: str) -> None:
    with pytest.raises(ConfigError, match="--model"):
        parse_model(spec)


def test_provider_config_is_a_strict_union_on_type() -> None:
    from agents.providers.config import PROVIDER_CONFIG_ADAPTER

    assert PROVIDER_CONFIG_ADAPTER.validate_python({"type": "scripted", "seed": 3}) == ScriptedConfig(seed=3)
    with pytest.raises(Exception, match="temperature"):
        PROVIDER_CONFIG_ADAPTER.validate_python({"type": "anthropic", "temperature": 0.2})
    with pytest.raises(Exception, match="union_tag_invalid|does not match any of the expected tags"):
        PROVIDER_CONFIG_ADAPTER.validate_python({"type": "gemini"})


def test_preflight_names_the_missing_key_and_suggests_scripted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    [problem] = preflight(AnthropicConfig())
    assert "ANTHROPIC_API_KEY" in problem and "--model scripted" in problem
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-xxxxxxxxxxxx")
    assert preflight(AnthropicConfig()) == []
    assert preflight(ScriptedConfig()) == []
    assert "does not exist" in preflight(ReplayConfig(path=tmp_path / "nothing"))[0]
    assert isinstance(build_provider(ScriptedConfig()), ScriptedProvider)


def test_prices_match_by_longest_prefix_and_config_overrides() -> None:
    usage = Usage(input=1_000_000, output=1_000_000, cache_write=1_000_000, cache_read=1_000_000)
    table = PriceTable()
    assert table.cost("claude-sonnet-4-5-20250929", usage) == pytest.approx(3 + 15 + 3.75 + 0.3)
    assert table.cost("claude-opus-4-6", usage) == pytest.approx(5 + 25 + 6.25 + 0.5)
    assert table.cost("some-local-model", usage) == 0.0
    from agents.pricing import ModelPrice

    custom = PriceTable({"some-local-model": ModelPrice(input=1, output=1, cache_write=0, cache_read=0)})
    assert custom.cost("some-local-model", usage) == pytest.approx(2.0)


def test_user_seed_folders_add_and_override_directions(tmp_path: Path) -> None:
    (tmp_path / "adversarial_probing.md").write_text("---\ntitle: Adversarial probing\n---\nProbe the teacher.\n")
    (tmp_path / "simplicity_bias.md").write_text("Prefer the simplest rule, your way.\n")
    seeds = {seed.name: seed for seed in list_seeds([tmp_path])}
    assert len(seeds) == 10
    assert seeds["adversarial_probing"].title == "Adversarial probing"
    assert seeds["simplicity_bias"].text == "Prefer the simplest rule, your way."
    assert [seed.name for seed in list_seeds()][:2] == ["interpretability", "data_reweighting"]


def test_a_broken_seed_file_is_a_config_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "broken.md").write_text("---\ntitle: [unclosed\n---\ntext\n")
    with pytest.raises(ConfigError, match="broken.md"):
        list_seeds([tmp_path])


def test_the_system_prompt_is_stable_and_carries_the_rules(lab: Any) -> None:
    seed = list_seeds()[3]
    make = lambda: Researcher("r3", ScriptedProvider(ScriptedConfig()), lab.registry(), lab.run, seed)  # noqa: E731
    prompt = make().system_prompt
    assert prompt == make().system_prompt
    assert seed.title in prompt and seed.text in prompt
    for rule in ("Report honestly", "Do not cheat", "held-out data", "permuted"):
        assert rule in prompt


def test_cli_seeds_list_and_bad_folder(tmp_path: Path) -> None:
    (tmp_path / "mine.md").write_text("---\ntitle: My direction\n---\nSomething new.\n")
    listed = invoke("seeds", "list", "--dir", str(tmp_path))
    assert listed.exit_code == 0, listed.output
    assert "My direction" in listed.output and "Evolutionary search" in listed.output
    missing = invoke("seeds", "list", "--dir", str(tmp_path / "nope"))
    assert missing.exit_code == 2 and "does not exist" in missing.output


def test_cli_replay_renders_a_recorded_session(lab: Any) -> None:
    Researcher("r0", ScriptedProvider(ScriptedConfig()), lab.registry(), lab.run, list_seeds()[0]).run_session(
        1, lab.context("r0")
    )
    shown = invoke("replay", str(lab.run.root), "--researcher", "r0", "--session", "1")
    assert shown.exit_code == 0, shown.output
    for expected in ("session start", "assistant", "wait_experiment", "r0:s1:t1:c0", "session end", "end_turn"):
        assert expected in shown.output
    listed = invoke("replay", str(lab.run.root), "--list")
    assert listed.exit_code == 0 and "r0" in listed.output and "end_turn" in listed.output
    wrong = invoke("replay", str(lab.run.root), "--session", "9")
    assert wrong.exit_code == 2 and "has sessions 1" in wrong.output
