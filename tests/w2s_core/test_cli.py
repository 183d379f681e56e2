import json

from typer.testing import CliRunner

from w2s_core import ModelPair
from w2s_core.cli import w2s_app

runner = CliRunner()


def test_tasks_json_lists_bundled_tasks() -> None:
    result = runner.invoke(w2s_app, ["tasks", "--json"])
    assert result.exit_code == 0
    names = {t["name"]: t for t in json.loads(result.stdout)["tasks"]}
    assert names["tiny_chat"]["family"] == "chat" and names["tiny_math"]["sizes"]["test"] > 0


def test_run_json_carries_baselines_and_per_seed_values(micro_models: ModelPair) -> None:
    result = runner.invoke(w2s_app, ["run", "--method", "naive", "--task", "tiny_math", "--seeds", "2", "--size", "micro", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["task"] == "tiny_math" and data["seeds"] == [1, 2]
    row = data["methods"]["naive"]
    assert {"pgr_mean", "pgr_se", "acc_mean"} <= set(row) and len(row["per_seed"]) == 2
    assert 0 <= data["weak_acc"] <= 1 and 0 <= data["ceiling_acc"] <= 1


def test_bad_input_is_exit_code_2_without_traceback() -> None:
    for args in (["run", "--method", "nope", "--task", "tiny_math"], ["baselines", "--task", "nope", "--size", "micro"],
                 ["pretrain", "--size", "huge"]):
        result = runner.invoke(w2s_app, args)
        assert result.exit_code == 2, args
        assert "Traceback" not in result.output
