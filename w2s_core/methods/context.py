"""MethodContext: everything a weak-to-strong method receives. It never holds ground truth for train_unlabel/test."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from w2s_core.models import Classifier, ModelSpec, load_classifier, wants_chat_template
from w2s_core.prompts import Encoded, encode_inputs
from w2s_core.training import LossFn, TrainSettings, full_length, predict_probs, train_classifier, xent_loss


@dataclass
class MethodContext:
    """What a method's ``run(ctx)`` gets.

    - ``train_inputs`` / ``test_inputs``: the raw input fields of ``train_unlabel`` and ``test`` (no labels).
    - ``train`` / ``test``: the same, tokenized (rows over the context limit dropped; ``.kept`` maps back).
    - ``weak_labels``: the weak teacher's soft P(label 1) for the rows of ``train`` (``weak_soft_labels``: for
      every row of ``train_inputs``).
    - ``load_strong()``: a fresh strong classifier; ``train_model(...)``: the training loop with a pluggable loss;
      ``predict(model, encoded=None)``: P(label 1) for every test input (or the rows of ``encoded``).
    - ``settings``: default training settings; ``seed``; ``budget_s``: the wall-clock budget of the run, if any.
    """

    task: str
    family: str
    label_names: tuple[str, str]
    seed: int
    train_inputs: list[dict[str, str]]
    weak_soft_labels: np.ndarray
    test_inputs: list[dict[str, str]]
    model_spec: ModelSpec
    settings: TrainSettings = field(default_factory=TrainSettings)
    budget_s: float | None = None
    on_step: Callable[[int, int, float], None] | None = None
    train: Encoded = field(init=False)
    test: Encoded = field(init=False)
    weak_labels: np.ndarray = field(init=False)
    _template: Classifier | None = field(default=None, init=False, repr=False)
    _tokenizer: Any = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.weak_soft_labels) != len(self.train_inputs):
            raise ValueError(f"{len(self.weak_soft_labels)} weak labels for {len(self.train_inputs)} train inputs")
        self._template, self._tokenizer = load_classifier(self.model_spec, self.label_names)
        self.train = self.encode(self.train_inputs)
        self.test = self.encode(self.test_inputs)
        self.weak_labels = np.asarray(self.weak_soft_labels, dtype=np.float64)[self.train.kept]

    @property
    def tokenizer(self) -> Any:
        return self._tokenizer

    @property
    def n_dropped(self) -> int:
        return self.train.n_dropped + self.test.n_dropped

    def encode(self, inputs: Sequence[Mapping[str, str]]) -> Encoded:
        chat = wants_chat_template(self.model_spec, self._tokenizer)
        assert self._template is not None
        spans = self._template.use_spans
        return encode_inputs(self._tokenizer, self.family, inputs, self.model_spec.max_length, chat, spans)

    def load_strong(self) -> Classifier:
        """A fresh copy of the strong model (with its untrained head: the label-logit readout)."""
        assert self._template is not None
        return copy.deepcopy(self._template)

    def train_model(
        self,
        model: Classifier,
        encoded: Encoded | None = None,
        targets: np.ndarray | None = None,
        loss: LossFn = xent_loss,
        weights: np.ndarray | None = None,
        **overrides: Any,
    ) -> list[float]:
        """Train ``model`` on ``encoded`` (default: ``train``) against ``targets`` (default: ``weak_labels``).

        ``overrides`` replace fields of ``settings`` (epochs, lr, head_lr, batch_size, warmup_frac, ...).
        """
        settings = self.settings.model_validate({**self.settings.model_dump(), **overrides})
        encoded = self.train if encoded is None else encoded
        targets = self.weak_labels if targets is None else targets
        return train_classifier(model, encoded, targets, settings, self.seed, loss, weights, self.on_step)

    def predict(self, model: Classifier, encoded: Encoded | None = None) -> np.ndarray:
        """P(label 1): for every test input (dropped ones get 0.5) by default, else for the rows of ``encoded``."""
        if encoded is None:
            return full_length(self.test, predict_probs(model, self.test))
        return predict_probs(model, encoded)


def split_settings(hyperparams: Mapping[str, Any], method_keys: Sequence[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Separate a method's own hyperparameters from TrainSettings overrides; unknown names raise TypeError."""
    own = {k: v for k, v in hyperparams.items() if k in method_keys}
    rest = {k: v for k, v in hyperparams.items() if k not in method_keys}
    unknown = [k for k in rest if k not in TrainSettings.model_fields]
    if unknown:
        allowed = sorted([*method_keys, *TrainSettings.model_fields])
        raise TypeError(f"unknown hyperparameter(s) {unknown}; allowed: {allowed}")
    return own, rest
