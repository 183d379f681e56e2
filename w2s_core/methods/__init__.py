"""Weak-to-strong methods as plug-ins: built-in names or a Python file exposing ``run(ctx) -> probabilities``.

A method file::

    from w2s_core.methods import get_builtin, MethodContext

    def run(ctx: MethodContext):
        return get_builtin("logconf")(ctx, aux_weight=0.5)
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from w2s_core.methods.builtin import BUILTINS, BuiltinMethod
from w2s_core.methods.context import MethodContext
from w2s_core.methods.losses import LOSSES

MethodFn = Callable[[MethodContext], Sequence[float]]


class PredictionError(ValueError):
    """A method returned predictions of the wrong shape, non-finite values or values outside [0, 1]."""


def builtin_methods() -> list[str]:
    return list(BUILTINS)


def get_builtin(name: str) -> BuiltinMethod:
    """A built-in method, callable as ``get_builtin(name)(ctx, **hyperparams)``."""
    if name not in BUILTINS:
        raise KeyError(f"unknown built-in method '{name}' (known: {', '.join(BUILTINS)})")
    return BUILTINS[name]


def load_method(name_or_path: str) -> MethodFn:
    """A built-in by name, or the ``run`` function of a Python file."""
    if name_or_path in BUILTINS:
        return BUILTINS[name_or_path]
    path = Path(name_or_path)
    if not path.is_file():
        raise FileNotFoundError(f"method '{name_or_path}' is neither a built-in ({', '.join(BUILTINS)}) nor a file")
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
    spec = importlib.util.spec_from_file_location(f"aar_method_{digest}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    run = getattr(module, "run", None)
    if not callable(run):
        raise AttributeError(f"{path}: a method file must define run(ctx) -> probabilities")
    return run


def method_identity(name_or_path: str) -> str:
    """A built-in's name, or a file's content digest (part of a transfer's cache key)."""
    if name_or_path in BUILTINS:
        return name_or_path
    return "file:" + hashlib.sha256(Path(name_or_path).read_bytes()).hexdigest()[:16]


def validate_predictions(probs: object, n_test: int) -> np.ndarray:
    """A float array of ``n_test`` probabilities in [0, 1], or PredictionError saying what is wrong."""
    try:
        array = np.asarray(probs, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise PredictionError(f"predictions are not numbers: {error}") from None
    if array.ndim != 1 or array.shape[0] != n_test:
        raise PredictionError(f"predictions have shape {array.shape}, expected ({n_test},): one P(label 1) per test input")
    bad = ~np.isfinite(array)
    if bad.any():
        raise PredictionError(f"{int(bad.sum())} predictions are not finite (first at index {int(np.argmax(bad))})")
    outside = (array < 0) | (array > 1)
    if outside.any():
        raise PredictionError(f"{int(outside.sum())} predictions are outside [0, 1] (first at index {int(np.argmax(outside))})")
    return array


__all__ = [
    "LOSSES",
    "MethodContext",
    "MethodFn",
    "PredictionError",
    "builtin_methods",
    "get_builtin",
    "load_method",
    "method_identity",
    "validate_predictions",
]
