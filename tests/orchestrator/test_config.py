"""Campaign configs: presets load, bad files give one line naming the field, the CLI exits 2 without a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from aar import ConfigError
from orchestrator.cli import app
from orchestrator.config import load_campaign_config, preset_names, preset_path


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "campaign.yaml"
    path.write_text(text)
    return path


def test_presets_load_and_describe_the_study() -> None:
    assert {"demo", "paper"} <= set(preset_names())
    demo = load_campaign_config(preset_path("demo"))
    paper = load_campaign_config(preset_path("paper"))
    assert demo.researchers == 9 and demo.provider.type == "scripted" and demo.tasks == ["tiny_math"]
    assert demo.held_out_tasks == ["tiny_chat"] and demo.w2s.device == "cpu"
    assert paper.provider.type == "anthropic" and paper.provider.model == "claude-opus-4-6"
    assert (paper.w2s.strong_model, paper.w2s.weak_model) == ("Qwen/Qwen3-4B-Base", "Qwen/Qwen1.5-0.5B-Chat")
    assert paper.executor.device == "cuda" and paper.held_out_tasks == ["math", "code"]
    assert len({demo.direction_of(r) for r in demo.researcher_ids()}) == 9


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("seed_directions: [ensembling]\ntasks: [tiny_math]\nresearcherz: 3\n", "field 'researcherz': Extra inputs are not permitted"),
        ("seed_directions: [ensembling]\ntasks: [tiny_math]\nresearchers: 0\n", "field 'researchers'"),
        ("seed_directions: [ensembling]\ntasks: [tiny_math]\nbudgets: {campaign: {api_dollars: -1}}\n", "field 'budgets.campaign.api_dollars'"),
        ("seed_directions: [ensembling]\ntasks: [tiny_math]\nsandbox: {type: kvm}\n", "field 'sandbox'"),
        ("seed_directions: [ensembling]\ntasks: [tiny_math]\nheld_out_tasks: [tiny_math]\n", "held-out tasks must not be research tasks"),
        ("seed_directions: [ensembling]\ntasks: [t]\nresearchers: 2\nresearcher_providers: {r7: {type: scripted}}\n", "unknown researchers ['r7']"),
        ("seed_directions: [astrology]\ntasks: [t]\n", "unknown seed direction 'astrology'"),
        ("tasks: [tiny_math\n", "not valid YAML"),
        ("- a list\n", "expected a mapping"),
    ],
)
def test_bad_config_files_give_one_line_naming_the_problem(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_campaign_config(_write(tmp_path, text))
    message = str(error.value)
    assert expected in message and "\n" not in message and str(tmp_path) in message


def _aar(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def test_the_cli_rejects_bad_input_with_exit_code_2_and_one_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "seed_directions: [ensembling]\ntasks: [tiny_math]\nrounds: many\n")
    bad_config = _aar("campaign", "run", "--config", str(path), "--run-dir", str(tmp_path / "run"))
    bad_preset = _aar("campaign", "run", "--preset", "nope")
    (tmp_path / "empty").mkdir()
    not_a_run = _aar("campaign", "status", str(tmp_path / "empty"))
    for result, expected in ((bad_config, "field 'rounds'"), (bad_preset, "no such preset"), (not_a_run, "not a campaign run folder")):
        assert result.exit_code == 2, result.output
        assert expected in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "run").exists()


def test_price_overrides_reach_the_cost_of_a_turn(tmp_path: Path) -> None:
    from agents.pricing import PriceTable
    from agents.providers.base import Usage

    config = load_campaign_config(_write(tmp_path, (
        "seed_directions: [ensembling]\ntasks: [tiny_math]\n"
        "prices: {my-model: {input: 2.0, output: 10.0, cache_write: 0, cache_read: 0}}\n"
    )))
    cost = PriceTable(config.prices).cost("my-model", Usage(input=1_000_000, output=100_000))
    assert cost == pytest.approx(2.0 + 1.0)
