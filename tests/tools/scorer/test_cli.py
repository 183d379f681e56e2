"""``aar scorer audit|leaderboard|tokens|serve``: real output from a real database, exit code 2 on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from tools.scorer.cli import scorer_app

from .conftest import Scorer, predictions_with_accuracy, submission

runner = CliRunner()


def test_leaderboard_json_public_and_private(scorer: Scorer) -> None:
    scorer.client("alice").submit(**submission("alice", predictions_with_accuracy(scorer.labels, 0.8, 5), "cli-good"))
    scorer.client("bob").submit(**submission("bob", np.full(len(scorer.labels), 0.2), "cli-constant"))
    public = runner.invoke(scorer_app, ["leaderboard", str(scorer.run.root), "--json"])
    assert public.exit_code == 0, public.output
    board = json.loads(public.output)
    assert board["private"] is False and "cli-good" in {e["experiment_id"] for e in board["entries"]}
    assert {e["experiment_id"] for e in board["flagged"]} >= {"cli-constant"}
    assert all(e["pgr"] is None for e in board["flagged"])
    private = json.loads(runner.invoke(scorer_app, ["leaderboard", str(scorer.run.root), "--json", "--private"]).output)
    entry = next(e for e in private["entries"] if e["experiment_id"] == "cli-good")
    assert entry["public_pgr"] is not None and entry["pgr"] is not None  # exact private PGR for the human
    table = runner.invoke(scorer_app, ["leaderboard", str(scorer.run.root), "--private"])
    assert table.exit_code == 0 and "cli-good" in table.output and "excluded" in table.output


def test_audit_prints_every_request(scorer: Scorer) -> None:
    scorer.client("alice").leaderboard()
    result = runner.invoke(scorer_app, ["audit", str(scorer.run.root), "--json"])
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert lines and {"at", "principal", "path", "status", "outcome"} <= set(lines[0])
    assert any(line["principal"] == "alice" and line["path"] == "/v1/leaderboard" for line in lines)
    text = runner.invoke(scorer_app, ["audit", str(scorer.run.root), "--limit", "3"])
    assert text.exit_code == 0 and len(text.output.splitlines()) == 3


def test_missing_run_folder_is_a_clear_error(tmp_path: Path) -> None:
    for command in (["audit", str(tmp_path / "nope")], ["leaderboard", str(tmp_path / "nope")]):
        result = runner.invoke(scorer_app, command)
        assert result.exit_code == 2 and "no scorer database" in result.output


def test_tokens_command_never_prints_a_token(tmp_path: Path) -> None:
    result = runner.invoke(scorer_app, ["tokens", str(tmp_path / "run"), "--researcher", "r1"])
    assert result.exit_code == 0
    tokens = json.loads((tmp_path / "run" / "scorer" / "tokens.json").read_text())
    assert set(tokens) == {"admin", "r1"} and not any(t in result.output for t in tokens.values())
    bad = runner.invoke(scorer_app, ["tokens", str(tmp_path / "run"), "--researcher", "admin"])
    assert bad.exit_code == 2 and "not 'admin'" in bad.output


def test_serve_refuses_a_bad_settings_file(tmp_path: Path) -> None:
    scorer_dir = tmp_path / "run" / "scorer"
    scorer_dir.mkdir(parents=True)
    (scorer_dir / "settings.json").write_text(json.dumps({"rate_limit": 0}))
    result = runner.invoke(scorer_app, ["serve", "--run", str(tmp_path / "run")])
    assert result.exit_code == 2 and "rate_limit" in result.output
