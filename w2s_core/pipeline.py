"""The weak -> ceiling -> transfer pipeline, every stage cached on disk under a hash of its full config and seed."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from w2s_core.methods import MethodContext, load_method, method_identity, validate_predictions
from w2s_core.metrics import accuracy, mean_se, pgr
from w2s_core.models import ModelSpec, Readout, load_classifier, wants_chat_template
from w2s_core.pretrain import pretrain_models
from w2s_core.prompts import encode_inputs
from w2s_core.runtime import apply_thread_limit, cache_root, config_hash
from w2s_core.tasks import Example, Task, get_task
from w2s_core.training import TrainSettings, full_length, predict_probs, train_classifier

CACHE_VERSION = "stage-v1"
MICRO_LIMITS = {"n_train_label": 48, "n_train_unlabel": 64, "n_test": 48}
MICRO_TRAIN = {"epochs": 1.0, "batch_size": 16}


class PipelineConfig(BaseModel):
    """Everything a stage's result depends on (besides the seed). ``size`` picks the pretrained offline models
    when ``strong_model``/``weak_model`` (hub ids or folders) are not given; ``micro`` also shrinks the splits."""

    model_config = ConfigDict(extra="forbid")
    task: str
    size: Literal["micro", "small"] = "small"
    strong_model: str | None = None
    weak_model: str | None = None
    device: str = "auto"
    lora_r: int = Field(0, ge=0)
    readout: Readout = "auto"
    use_chat_template: bool | None = None
    max_length: int = Field(512, ge=8)
    n_train_label: int | None = Field(None, ge=1)
    n_train_unlabel: int | None = Field(None, ge=1)
    n_test: int | None = Field(None, ge=1)
    weak_train: TrainSettings = Field(default_factory=lambda: TrainSettings(epochs=3.0))
    strong_train: TrainSettings = Field(default_factory=TrainSettings)

    @model_validator(mode="after")
    def _micro_defaults(self) -> PipelineConfig:
        if self.size == "micro":
            for key, value in MICRO_LIMITS.items():
                if getattr(self, key) is None:
                    setattr(self, key, value)
            for settings in (self.weak_train, self.strong_train):
                for key, value in MICRO_TRAIN.items():
                    if key not in settings.model_fields_set:
                        setattr(settings, key, value)
        return self


@dataclass
class StageResult:
    test_probs: np.ndarray
    acc: float
    seconds: float
    train_probs: np.ndarray | None = None  # weak stage only: soft labels on train_unlabel


@dataclass
class Baselines:
    weak_acc: float
    ceiling_acc: float
    weak_test_probs: dict[int, np.ndarray] = field(default_factory=dict)
    ceiling_test_probs: dict[int, np.ndarray] = field(default_factory=dict)
    weak_accs: dict[int, float] = field(default_factory=dict)
    ceiling_accs: dict[int, float] = field(default_factory=dict)

    def pgr(self, acc: float) -> float:
        return pgr(acc, self.weak_acc, self.ceiling_acc)


def _model_fingerprint(path: str) -> str:
    folder = Path(path)
    if not folder.is_dir():
        return path
    stats = sorted((p.name, p.stat().st_size, int(p.stat().st_mtime)) for p in folder.iterdir() if p.is_file())
    return config_hash(stats)


class Pipeline:
    def __init__(self, cfg: PipelineConfig, task: Task | None = None) -> None:
        apply_thread_limit()
        self.cfg = cfg
        self.task = task or get_task(cfg.task)
        if cfg.strong_model is None or cfg.weak_model is None:
            pair = pretrain_models(cfg.size)
            self.strong_path = cfg.strong_model or str(pair.strong)
            self.weak_path = cfg.weak_model or str(pair.weak)
        else:
            self.strong_path, self.weak_path = cfg.strong_model, cfg.weak_model
        self.cache_dir = cache_root() / "w2s" / "stages"

    # ---- data -------------------------------------------------------------------------------------------
    def examples(self, split: str) -> list[Example]:
        limit = {"train_label": self.cfg.n_train_label, "train_unlabel": self.cfg.n_train_unlabel, "test": self.cfg.n_test}
        return self.task.split(split)[: limit[split]]

    def labels(self, split: str) -> np.ndarray:
        return np.array([e.label for e in self.examples(split)], dtype=np.int64)

    def spec(self, path: str) -> ModelSpec:
        c = self.cfg
        return ModelSpec(path, c.device, c.lora_r, c.readout, c.use_chat_template, c.max_length)

    # ---- caching ----------------------------------------------------------------------------------------
    def stage_key(self, stage: str, seed: int, extra: dict[str, Any] | None = None) -> str:
        parts = {
            "stage": stage, "seed": seed, "config": self.cfg.model_dump(mode="json"), "task": self.task.fingerprint(),
            "strong": _model_fingerprint(self.strong_path), "weak": _model_fingerprint(self.weak_path), **(extra or {}),
        }
        return config_hash(parts, CACHE_VERSION)

    def _cached(self, stage: str, seed: int, compute: Callable[[], StageResult], extra: dict[str, Any] | None = None) -> StageResult:
        path = self.cache_dir / stage.split(":")[0] / f"{self.stage_key(stage, seed, extra)}.npz"
        if path.exists():
            data = np.load(path)
            train = data["train_probs"] if "train_probs" in data else None
            return StageResult(data["test_probs"], float(data["acc"]), float(data["seconds"]), train)
        result = compute()
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {"test_probs": result.test_probs, "acc": result.acc, "seconds": result.seconds}
        if result.train_probs is not None:
            arrays["train_probs"] = result.train_probs
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, **arrays)
        tmp.replace(path)
        return result

    # ---- stages -----------------------------------------------------------------------------------------
    def _train_and_predict(
        self, model_path: str, train_split: str, seed: int, settings: TrainSettings
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Train on a split's ground truth; P(label 1) on test (and on train_unlabel when training on train_label)."""
        spec = self.spec(model_path)
        model, tokenizer = load_classifier(spec, self.task.label_names)
        chat = wants_chat_template(spec, tokenizer)

        def encode(split: str):  # type: ignore[no-untyped-def]
            return encode_inputs(tokenizer, self.task.family, [e.inputs for e in self.examples(split)], spec.max_length, chat, model.use_spans)

        train = encode(train_split)
        train_classifier(model, train, self.labels(train_split)[train.kept].astype(np.float64), settings, seed)
        test = encode("test")
        if train_split == "train_unlabel":
            return full_length(test, predict_probs(model, test)), None
        unlabeled = encode("train_unlabel")
        return full_length(test, predict_probs(model, test)), full_length(unlabeled, predict_probs(model, unlabeled))

    def weak(self, seed: int) -> StageResult:
        """Weak teacher trained on train_label; soft labels on train_unlabel and test."""

        def compute() -> StageResult:
            started = time.perf_counter()
            test_probs, train_probs = self._train_and_predict(self.weak_path, "train_label", seed, self.cfg.weak_train)
            acc = accuracy(test_probs, self.labels("test"))
            return StageResult(test_probs, acc, time.perf_counter() - started, train_probs)

        return self._cached("weak", seed, compute)

    def ceiling(self, seed: int) -> StageResult:
        """Strong model trained on the ground truth of train_unlabel."""

        def compute() -> StageResult:
            started = time.perf_counter()
            test_probs, _ = self._train_and_predict(self.strong_path, "train_unlabel", seed, self.cfg.strong_train)
            return StageResult(test_probs, accuracy(test_probs, self.labels("test")), time.perf_counter() - started)

        return self._cached("ceiling", seed, compute)

    def context(self, seed: int, on_step: Callable[[int, int, float], None] | None = None) -> MethodContext:
        """The MethodContext of a transfer run: weak soft labels, no ground truth."""
        return MethodContext(
            task=self.task.name, family=self.task.family, label_names=self.task.label_names, seed=seed,
            train_inputs=[dict(e.inputs) for e in self.examples("train_unlabel")],
            weak_soft_labels=self.weak(seed).train_probs,  # type: ignore[arg-type]
            test_inputs=[dict(e.inputs) for e in self.examples("test")],
            model_spec=self.spec(self.strong_path), settings=self.cfg.strong_train, on_step=on_step,
        )

    def transfer(self, method: str, seed: int, **hyperparams: Any) -> StageResult:
        """A method's run (built-in name or file), trained from the weak labels of ``seed``."""

        def compute() -> StageResult:
            started = time.perf_counter()
            ctx = self.context(seed)
            fn = load_method(method)
            probs = validate_predictions(fn(ctx, **hyperparams) if hyperparams else fn(ctx), len(ctx.test_inputs))
            return StageResult(probs, accuracy(probs, self.labels("test")), time.perf_counter() - started)

        extra = {"method": method_identity(method), "hyperparams": hyperparams}
        return self._cached("transfer:" + method, seed, compute, extra)

    def baselines(self, seeds: list[int]) -> Baselines:
        weak = {s: self.weak(s) for s in seeds}
        ceiling = {s: self.ceiling(s) for s in seeds}
        return Baselines(
            weak_acc=float(np.mean([r.acc for r in weak.values()])),
            ceiling_acc=float(np.mean([r.acc for r in ceiling.values()])),
            weak_test_probs={s: r.test_probs for s, r in weak.items()},
            ceiling_test_probs={s: r.test_probs for s, r in ceiling.items()},
            weak_accs={s: r.acc for s, r in weak.items()},
            ceiling_accs={s: r.acc for s, r in ceiling.items()},
        )

    def evaluate(self, method: str, seeds: list[int], baselines: Baselines | None = None, **hyperparams: Any) -> dict[str, Any]:
        """Per-seed accuracy and PGR of a method against fixed baselines, with mean +- standard error."""
        base = baselines or self.baselines(seeds)
        accs = {s: self.transfer(method, s, **hyperparams).acc for s in seeds}
        pgrs = {s: base.pgr(a) for s, a in accs.items()}
        pgr_mean, pgr_se = mean_se(list(pgrs.values()))
        acc_mean, acc_se = mean_se(list(accs.values()))
        return {"pgr_mean": pgr_mean, "pgr_se": pgr_se, "acc_mean": acc_mean, "acc_se": acc_se,
                "per_seed": [{"seed": s, "acc": accs[s], "pgr": pgrs[s]} for s in seeds]}

    def export_public_bundle(self, seed: int, out_dir: Path, permute_weak_labels: bool = False) -> Path:
        """Write what a sandboxed method may see (see ``w2s_core.bundle``)."""
        from w2s_core.bundle import write_bundle

        return write_bundle(self, seed, Path(out_dir), permute_weak_labels)
