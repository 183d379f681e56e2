"""The reason sandboxes exist: a method runs on a public bundle inside one and writes its predictions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.tools.sandbox.conftest import BACKENDS, SandboxFactory

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("backend", BACKENDS)]


@pytest.fixture(scope="module")
def micro_bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int]:
    from w2s_core import Pipeline, PipelineConfig, pretrain_models

    models = pretrain_models(size="micro")
    pipeline = Pipeline(PipelineConfig(task="tiny_math", size="micro"))
    bundle = pipeline.export_public_bundle(1, tmp_path_factory.mktemp("bundle") / "bundle")
    n_test = len((bundle / "test.jsonl").read_text().splitlines())
    return bundle, models.strong, n_test


def test_run_method_inside_writes_predictions(
    backend: str, make_sandbox: SandboxFactory, micro_bundle: tuple[Path, Path, int]
) -> None:
    bundle, strong, n_test = micro_bundle
    box = make_sandbox(backend, data=bundle, models=strong, memory_mb=2048)
    command = (
        "python -m w2s_core.run_method --bundle /data --method naive --seed 1 --device cpu "
        "--model-dir /models --out /workspace/.aar_out/seed-1.json"
    )
    result = box.exec(command, timeout_s=300)
    assert result.exit_code == 0, result.output
    out = json.loads((box.mounts.workspace / ".aar_out" / "seed-1.json").read_text())
    assert len(out["probs"]) == n_test and all(0.0 <= p <= 1.0 for p in out["probs"])
