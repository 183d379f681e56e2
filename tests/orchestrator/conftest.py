"""Small real campaigns for the orchestrator tests: 2-3 scripted researchers, micro models, one CPU slot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

AAR = str(Path(sys.executable).parent / "aar")


def micro_campaign(**overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "name": "test",
        "researchers": 2,
        "seed_directions": ["confidence_calibration", "data_reweighting"],
        "provider": {"type": "scripted", "seed": 0},
        "tasks": ["tiny_math"],
        "held_out_tasks": [],
        "seeds": [0],
        "rounds": 2,
        "session": {"max_steps": 8},
        "w2s": {"size": "micro", "device": "cpu", "baseline_seeds": [0]},
        "sandbox": {"type": "bwrap"},
        "executor": {"type": "local", "slots": 1, "device": "cpu"},
        "final": {"top_k": 1, "heldout_seeds": [0], "verify_top": 0},
    }
    config.update(overrides)
    return config


@pytest.fixture()
def write_config(tmp_path: Path):  # type: ignore[no-untyped-def]
    def write(name: str = "campaign.yaml", **overrides: Any) -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(micro_campaign(**overrides)))
        return path

    return write


def aar(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([AAR, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "COLUMNS": "200"})


def start_aar(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([AAR, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "COLUMNS": "200"})
