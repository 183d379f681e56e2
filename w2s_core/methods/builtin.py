"""Built-in methods: the baselines researchers start from. Each is ``method(ctx, **hyperparams) -> probs``.

Hyperparameters are the method's own (listed per method) plus any TrainSettings field (epochs, lr, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from w2s_core.methods.context import MethodContext, split_settings
from w2s_core.methods.losses import logconf_loss, product_loss
from w2s_core.training import predict_logits

BuiltinMethod = Callable[..., np.ndarray]


def _hard(probs: np.ndarray) -> np.ndarray:
    return (np.asarray(probs) > 0.5).astype(np.float64)


def naive(ctx: MethodContext, **hyperparams: Any) -> np.ndarray:
    """Train the strong model on the weak teacher's hard labels."""
    _, settings = split_settings(hyperparams, ())
    model = ctx.load_strong()
    ctx.train_model(model, targets=_hard(ctx.weak_labels), **settings)
    return ctx.predict(model)


def soft_xent(ctx: MethodContext, **hyperparams: Any) -> np.ndarray:
    """Cross-entropy against the weak teacher's soft labels."""
    _, settings = split_settings(hyperparams, ())
    model = ctx.load_strong()
    ctx.train_model(model, **settings)
    return ctx.predict(model)


def logconf(ctx: MethodContext, **hyperparams: Any) -> np.ndarray:
    """Auxiliary confidence loss (``aux_weight`` 0.5, linear ``warmup_frac`` 0.1) on hard weak labels."""
    own, settings = split_settings(hyperparams, ("aux_weight", "aux_warmup_frac"))
    loss = partial(logconf_loss, aux_weight=own.get("aux_weight", 0.5), warmup_frac=own.get("aux_warmup_frac", 0.1))
    model = ctx.load_strong()
    ctx.train_model(model, targets=_hard(ctx.weak_labels), loss=loss, **settings)
    return ctx.predict(model)


def product(ctx: MethodContext, **hyperparams: Any) -> np.ndarray:
    """Product loss: targets proportional to weak^alpha * student^beta (``alpha`` 1, ``beta`` 1)."""
    own, settings = split_settings(hyperparams, ("alpha", "beta"))
    loss = partial(product_loss, alpha=own.get("alpha", 1.0), beta=own.get("beta", 1.0))
    model = ctx.load_strong()
    ctx.train_model(model, loss=loss, **settings)
    return ctx.predict(model)


def confident_only(ctx: MethodContext, **hyperparams: Any) -> np.ndarray:
    """Train on hard labels of the ``keep_frac`` (0.5) most confident weak labels only."""
    own, settings = split_settings(hyperparams, ("keep_frac",))
    keep_frac = float(own.get("keep_frac", 0.5))
    if not 0 < keep_frac <= 1:
        raise ValueError(f"keep_frac must be in (0, 1], got {keep_frac}")
    confidence = np.abs(ctx.weak_labels - 0.5)
    n_keep = max(1, int(round(keep_frac * len(confidence))))
    rows = np.sort(np.argsort(-confidence, kind="stable")[:n_keep])
    model = ctx.load_strong()
    ctx.train_model(model, ctx.train.subset(rows), _hard(ctx.weak_labels[rows]), **settings)
    return ctx.predict(model)


def bootstrap(ctx: MethodContext, **hyperparams: Any) -> np.ndarray:
    """Strong-to-strong relabelling: train on weak labels, relabel train with the student, retrain (``rounds`` 1)."""
    own, settings = split_settings(hyperparams, ("rounds",))
    labels = _hard(ctx.weak_labels)
    model = ctx.load_strong()
    for _ in range(int(own.get("rounds", 1))):
        ctx.train_model(model, targets=labels, **settings)
        labels = _hard(ctx.predict(model, ctx.train))
        model = ctx.load_strong()
    ctx.train_model(model, targets=labels, **settings)
    return ctx.predict(model)


def zero_shot(ctx: MethodContext, **hyperparams: Any) -> np.ndarray:
    """Unsupervised elicitation by prompting: the untrained label-token logits after the template, no weak labels.

    Calibrated without labels by centring the test logits on their median (``calibrate`` True).
    """
    own, _ = split_settings(hyperparams, ("calibrate",))
    model = ctx.load_strong()
    logits = predict_logits(model, ctx.test).astype(np.float64)
    if own.get("calibrate", True) and len(logits):
        logits = logits - np.median(logits)
    probs = np.full(ctx.test.n_total, 0.5)
    probs[ctx.test.kept] = 1.0 / (1.0 + np.exp(-logits))
    return probs


BUILTINS: dict[str, BuiltinMethod] = {
    "naive": naive,
    "soft_xent": soft_xent,
    "logconf": logconf,
    "product": product,
    "confident_only": confident_only,
    "bootstrap": bootstrap,
    "zero_shot": zero_shot,
}
