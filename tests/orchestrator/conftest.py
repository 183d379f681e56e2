"""Small real campaigns for the orchestrator tests: 2-3 scripted researchers, micro models, one CPU slot."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

AAR = str(Path(sys.executable).parent / "aar")


TASK = "sums"


def write_sums_task(data_dir: Path, seed: int = 0) -> Path:
    """A small task in the study's jsonl format (is "a+b" = answer?), read through ``w2s.data_dir``.

    The bundled tasks are degenerate with micro models (weak and ceiling both predict one class, so the scorer
    rightly refuses them); on this one the micro baselines differ, which is all these orchestration tests need.
    """
    rng = random.Random(seed)
    folder = data_dir / TASK
    folder.mkdir(parents=True, exist_ok=True)
    for split, n in (("train_label", 64), ("train_unlabel", 64), ("test", 48)):
        rows = []
        for index in range(n):
            a, b, correct = rng.randint(0, 9), rng.randint(0, 9), rng.random() < 0.5
            answer = a + b if correct else a + b + rng.choice([1, 2, 3, 10])
            rows.append(json.dumps({"id": str(index), "question": f"{a}+{b}", "answer": str(answer), "label": str(correct)}))
        (folder / f"{split}.jsonl").write_text("\n".join(rows) + "\n")
    return data_dir


def micro_campaign(data_dir: Path, **overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "name": "test",
        "researchers": 2,
        "seed_directions": ["confidence_calibration", "data_reweighting"],
        "provider": {"type": "scripted", "seed": 0},
        "tasks": [TASK],
        "held_out_tasks": [],
        "seeds": [0],
        "rounds": 2,
        "session": {"max_steps": 8},
        "w2s": {"size": "micro", "device": "cpu", "baseline_seeds": [0], "data_dir": str(data_dir)},
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
        path.write_text(yaml.safe_dump(micro_campaign(write_sums_task(tmp_path / "data"), **overrides)))
        return path

    return write


def aar(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([AAR, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "COLUMNS": "200"})


def start_aar(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([AAR, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "COLUMNS": "200"})
