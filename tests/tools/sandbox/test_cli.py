"""``aar sandbox build|selftest`` through typer."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tools.sandbox.cli import sandbox_app

runner = CliRunner()


def test_bad_backend_is_exit_2_with_a_message() -> None:
    result = runner.invoke(sandbox_app, ["build", "--backend", "podman"])
    assert result.exit_code == 2 and "podman" in result.output


@pytest.mark.bwrap
def test_selftest_json_for_bwrap(bwrap_available: None) -> None:
    result = runner.invoke(sandbox_app, ["selftest", "--backend", "bwrap", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # --json: stdout is the JSON alone (logs go to stderr)
    assert report["backend"] == "bwrap" and report["ok"] and report["failed"] == []


@pytest.mark.docker
def test_build_is_quiet_when_up_to_date(docker_engine: None) -> None:
    result = runner.invoke(sandbox_app, ["build", "--quiet", "--backend", "docker"])
    assert result.exit_code == 0 and result.output == ""
