import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from w2s_core import Pipeline, run_method_on_bundle
from w2s_core.bundle import load_bundle_context

LABEL_HUNTER = '''
import json, os
from pathlib import Path

import numpy as np


def _walk(value, seen, found):
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, dict):
        for key, item in value.items():
            if key in {"label", "labels", "gold", "ground_truth", "hard_label"} and isinstance(item, (str, bool, list)):
                found.append(key)
            _walk(item, seen, found)
    elif isinstance(value, (list, tuple)):
        for item in value[:5000]:
            _walk(item, seen, found)
    elif isinstance(value, np.ndarray) and value.size:
        hard = (np.asarray(value, dtype=float).ravel() > 0.5).astype(int)
        for truth in TRUTHS:
            if len(hard) == len(truth) and np.mean(hard == truth) == 1.0:
                found.append("an array equal to the ground truth")
    elif hasattr(value, "__dict__") and not isinstance(value, type):
        _walk(vars(value), seen, found)


def run(ctx):
    found = []
    _walk(vars(ctx), set(), found)
    for path in Path(os.environ["BUNDLE_DIR"]).rglob("*"):
        if path.suffix == ".json":
            _walk(json.loads(path.read_text()), set(), found)
        elif path.suffix == ".jsonl":
            for line in path.read_text().splitlines():
                _walk(json.loads(line), set(), found)
    Path(os.environ["HUNT_OUT"]).write_text(json.dumps(found))
    return [0.5] * len(ctx.test_inputs)
'''


@pytest.fixture()
def bundle(micro_math: Pipeline, tmp_path: Path) -> Path:
    return micro_math.export_public_bundle(1, tmp_path / "bundle")


def test_bundle_files_hold_no_ground_truth(bundle: Path, micro_math: Pipeline) -> None:
    info = json.loads((bundle / "bundle.json").read_text())
    assert info["task"] == "tiny_math" and info["label_names"] == ["False", "True"]
    for name in ("train_unlabel.jsonl", "test.jsonl"):
        rows = [json.loads(line) for line in (bundle / name).read_text().splitlines()]
        assert all("label" not in row for row in rows)
    train = [json.loads(line) for line in (bundle / "train_unlabel.jsonl").read_text().splitlines()]
    assert np.allclose([r["weak_soft_label"] for r in train], micro_math.weak(1).train_probs)


def test_a_label_hunting_method_finds_nothing(bundle: Path, micro_math: Pipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    truths = [micro_math.labels("train_unlabel").tolist(), micro_math.labels("test").tolist()]
    method = tmp_path / "hunter.py"
    method.write_text(f"TRUTHS = {truths!r}\n" + LABEL_HUNTER)
    out = tmp_path / "found.json"
    monkeypatch.setenv("BUNDLE_DIR", str(bundle))
    monkeypatch.setenv("HUNT_OUT", str(out))
    run_method_on_bundle(bundle, str(method), seed=1)
    assert json.loads(out.read_text()) == []
    # the hunter is able to find labels where they are
    monkeypatch.setenv("BUNDLE_DIR", str(tmp_path / "leaky"))
    (tmp_path / "leaky").mkdir()
    (tmp_path / "leaky" / "x.jsonl").write_text(json.dumps({"id": "1", "label": "True"}) + "\n")
    run_method_on_bundle(bundle, str(method), seed=1)
    assert json.loads(out.read_text()) == ["label"]


def test_permuted_weak_labels_are_a_shuffle(micro_math: Pipeline, tmp_path: Path) -> None:
    plain = load_bundle_context(micro_math.export_public_bundle(1, tmp_path / "a"), seed=1)
    permuted = load_bundle_context(micro_math.export_public_bundle(1, tmp_path / "b", permute_weak_labels=True), seed=1)
    assert sorted(plain.weak_soft_labels) == pytest.approx(sorted(permuted.weak_soft_labels))
    assert not np.allclose(plain.weak_soft_labels, permuted.weak_soft_labels)


def _run_module(bundle: Path, method: str, out: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "w2s_core.run_method", "--bundle", str(bundle), "--method", method, "--seed", "1", "--out", str(out)]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def test_run_method_module_writes_predictions(bundle: Path, tmp_path: Path) -> None:
    out = tmp_path / "f.json"
    done = _run_module(bundle, "naive", out)
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text())
    assert result["task"] == "tiny_math" and result["method"] == "naive" and result["n_dropped"] == 0
    assert len(result["probs"]) == len((bundle / "test.jsonl").read_text().splitlines())


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("    raise RuntimeError('boom in method')", "boom in method"),
        ("    return [0.5] * (len(ctx.test_inputs) - 1)", "shape"),
        ("    return [float('nan')] * len(ctx.test_inputs)", "not finite"),
    ],
)
def test_failing_method_is_reported_with_traceback(bundle: Path, tmp_path: Path, body: str, expected: str) -> None:
    method = tmp_path / "bad.py"
    method.write_text(f"def run(ctx):\n{body}\n")
    out = tmp_path / "f.json"
    done = _run_module(bundle, str(method), out)
    assert done.returncode == 1
    error = json.loads(out.read_text())
    assert expected in error["error"] and "Traceback" in error["traceback"]


def test_bad_bundle_is_exit_code_2(tmp_path: Path) -> None:
    out = tmp_path / "f.json"
    done = _run_module(tmp_path, "naive", out)
    assert done.returncode == 2 and "bundle.json" in json.loads(out.read_text())["error"]
