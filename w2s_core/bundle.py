"""The sandbox boundary: a public bundle with NO ground truth for train_unlabel/test, and running a method on it.

Bundle folder: ``bundle.json`` (task, family, label_names, seed, strong_model, training defaults),
``train_unlabel.jsonl`` (``id``, input fields, ``weak_soft_label``) and ``test.jsonl`` (``id``, input fields).
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from aar import ConfigError, write_atomic
from w2s_core.methods import MethodContext, load_method, validate_predictions
from w2s_core.models import ModelSpec, Readout
from w2s_core.runtime import apply_thread_limit, offline_environment
from w2s_core.tasks import INPUT_FIELDS
from w2s_core.training import TrainSettings

if TYPE_CHECKING:
    from w2s_core.pipeline import Pipeline


class BundleInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    task: str
    family: str
    label_names: tuple[str, str]
    seed: int
    strong_model: str
    readout: Readout = "auto"
    use_chat_template: bool | None = None
    max_length: int = 512
    lora_r: int = 0
    training: TrainSettings
    permuted_weak_labels: bool = False


@dataclass
class MethodOutput:
    task: str
    method: str
    seed: int
    probs: list[float]
    n_dropped: int
    seconds: float
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"task": self.task, "method": self.method, "seed": self.seed, "probs": self.probs,
                "n_dropped": self.n_dropped, "seconds": round(self.seconds, 3)}


def _jsonl(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


def write_bundle(pipeline: Pipeline, seed: int, out_dir: Path, permute_weak_labels: bool) -> Path:
    """Export the inputs and weak soft labels of ``seed``; ``permute_weak_labels`` shuffles the labels across rows
    (the scorer's teacher-ablation check)."""
    cfg = pipeline.cfg
    soft = np.asarray(pipeline.weak(seed).train_probs, dtype=np.float64)
    if permute_weak_labels:
        soft = soft[np.random.default_rng(10_000 + seed).permutation(len(soft))]
    out_dir.mkdir(parents=True, exist_ok=True)
    info = BundleInfo(
        task=pipeline.task.name, family=pipeline.task.family, label_names=pipeline.task.label_names, seed=seed,
        strong_model=str(pipeline.strong_path), readout=cfg.readout, use_chat_template=cfg.use_chat_template,
        max_length=cfg.max_length, lora_r=cfg.lora_r, training=cfg.strong_train, permuted_weak_labels=permute_weak_labels,
    )
    write_atomic(out_dir / "bundle.json", info.model_dump_json(indent=2))
    train = [{"id": e.id, **e.inputs, "weak_soft_label": float(p)} for e, p in zip(pipeline.examples("train_unlabel"), soft)]
    write_atomic(out_dir / "train_unlabel.jsonl", _jsonl(train))
    write_atomic(out_dir / "test.jsonl", _jsonl([{"id": e.id, **e.inputs} for e in pipeline.examples("test")]))
    return out_dir


def _read_rows(path: Path, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise ConfigError(f"{path}:{number}: not valid JSON: {error.msg}") from None
        missing = [f for f in fields if f not in row]
        if missing:
            raise ConfigError(f"{path}:{number}: missing field(s) {missing}")
        rows.append(row)
    return rows


def load_bundle_context(bundle_dir: Path, seed: int, device: str = "auto", model_dir: Path | None = None) -> MethodContext:
    """A MethodContext from a bundle folder only (what runs inside a sandbox)."""
    bundle_dir = Path(bundle_dir)
    try:
        info = BundleInfo.model_validate_json((bundle_dir / "bundle.json").read_text())
    except (OSError, ValueError) as error:
        raise ConfigError(f"{bundle_dir / 'bundle.json'}: not a valid bundle: {str(error).splitlines()[0]}") from None
    fields = INPUT_FIELDS[info.family]
    train = _read_rows(bundle_dir / "train_unlabel.jsonl", ("weak_soft_label", *fields))
    test = _read_rows(bundle_dir / "test.jsonl", fields)
    spec = ModelSpec(str(model_dir or info.strong_model), device, info.lora_r, info.readout, info.use_chat_template, info.max_length)
    return MethodContext(
        task=info.task, family=info.family, label_names=info.label_names, seed=seed,
        train_inputs=[{f: r[f] for f in fields} for r in train],
        weak_soft_labels=np.array([float(r["weak_soft_label"]) for r in train]),
        test_inputs=[{f: r[f] for f in fields} for r in test],
        model_spec=spec, settings=info.training,
    )


def run_method_on_bundle(
    bundle_dir: Path, method: str, seed: int, device: str = "auto", model_dir: Path | None = None
) -> MethodOutput:
    """Run one method on a bundle; raises on a failing method or invalid predictions."""
    apply_thread_limit()
    offline_environment(Path(tempfile.gettempdir()) / "aar-w2s")
    started = time.perf_counter()
    ctx = load_bundle_context(bundle_dir, seed, device, model_dir)
    fn = load_method(method)
    probs = validate_predictions(fn(ctx), len(ctx.test_inputs))
    return MethodOutput(ctx.task, method, seed, [float(p) for p in probs], ctx.n_dropped, time.perf_counter() - started)
