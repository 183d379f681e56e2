"""What the scripted researcher knows about W2S methods: the built-ins, their hyper-parameter ranges, which seed
directions lean toward which of them, and the method files it writes and reads back."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

# Built-in method -> hyper-parameter -> values worth trying: the method's own hyper-parameters and the training
# settings it passes on (w2s_core.methods.builtin and w2s_core.training.TrainSettings).
HYPERPARAMETERS: dict[str, dict[str, list[float]]] = {
    "naive": {"epochs": [1.0, 2.0, 3.0]},
    "soft_xent": {"epochs": [1.0, 2.0, 3.0], "weight_decay": [0.0, 0.01]},
    "logconf": {"aux_weight": [0.25, 0.5, 0.75, 1.0], "aux_warmup_frac": [0.1, 0.2]},
    "product": {"alpha": [0.5, 1.0], "beta": [0.5, 1.0, 2.0]},
    "confident_only": {"keep_frac": [0.3, 0.5, 0.7, 0.9]},
    "bootstrap": {"rounds": [1, 2]},
    "zero_shot": {},
}

# Words in a direction's text -> the built-ins a researcher with that direction tries first.
DIRECTION_HINTS: list[tuple[str, list[str]]] = [
    ("interpretab", ["confident_only", "logconf"]),
    ("reweight", ["confident_only", "soft_xent"]),
    ("calibrat", ["logconf", "soft_xent"]),
    ("confiden", ["logconf", "confident_only"]),
    ("unsupervised", ["zero_shot", "logconf"]),
    ("elicit", ["zero_shot"]),
    ("noisy", ["product", "soft_xent"]),
    ("distill", ["soft_xent", "bootstrap"]),
    ("simplicity", ["naive", "soft_xent"]),
    ("ensembl", ["bootstrap", "product"]),
    ("co-training", ["bootstrap"]),
    ("evolution", list(HYPERPARAMETERS)),
]

CALL = re.compile(r"get_builtin\(\s*[\"'](?P<method>\w+)[\"']\s*\)\(\s*ctx\s*(?:,(?P<kwargs>[^)]*))?\)")
KWARG = re.compile(r"(?P<name>\w+)\s*=\s*(?P<value>-?[\d.]+(?:e-?\d+)?)")


@dataclass(frozen=True)
class MethodChoice:
    method: str
    params: dict[str, float] = field(default_factory=dict)
    note: str = ""

    def params_text(self) -> str:
        return ",".join(f"{name}={value:g}" for name, value in sorted(self.params.items()))

    def describe(self) -> str:
        params = f" ({self.params_text()})" if self.params else ""
        note = f", {self.note}" if self.note else ""
        return f"{self.method}{params}{note}"


def _hinted(text: str) -> list[str]:
    lowered = text.lower()
    return list(dict.fromkeys(method for hint, methods in DIRECTION_HINTS if hint in lowered for method in methods))


def preferred_methods(title: str, text: str = "") -> list[str]:
    """The built-ins a direction leans toward: hints in its title first, else in its text, else all of them."""
    return _hinted(title) or _hinted(text) or list(HYPERPARAMETERS)


def choose_method(
    rng: random.Random, candidates: list[str], base: MethodChoice | None = None, note: str = ""
) -> MethodChoice:
    """A method from ``candidates`` with hyper-parameters drawn from its grid; from ``base`` a one-step mutation."""
    method = rng.choice([name for name in candidates if name in HYPERPARAMETERS] or list(HYPERPARAMETERS))
    grid = HYPERPARAMETERS[method]
    params = {name: rng.choice(values) for name, values in grid.items()}
    if base is not None and base.method == method and grid:
        params = {**params, **base.params}
        name = rng.choice(sorted(grid))  # evolve: move one hyper-parameter to a neighbouring value
        values = grid[name]
        current = values.index(params[name]) if params[name] in values else 0
        params[name] = values[max(0, min(len(values) - 1, current + rng.choice((-1, 1))))]
    return MethodChoice(method, params, note)


def method_file(choice: MethodChoice, researcher: str, session: int, direction: str) -> str:
    kwargs = "".join(f", {name}={value!r}" for name, value in sorted(choice.params.items()))
    return (
        f'"""{researcher}, session {session}: {choice.describe()}. Direction: {direction}."""\n\n'
        "from w2s_core.methods import MethodContext, get_builtin\n\n\n"
        "def run(ctx: MethodContext):\n"
        f'    return get_builtin("{choice.method}")(ctx{kwargs})\n'
    )


def parse_method_file(text: str) -> MethodChoice | None:
    """The built-in call in a method file (its own or another researcher's), or None if it has none."""
    match = CALL.search(text)
    if match is None:
        return None
    params = {kw["name"]: float(kw["value"]) for kw in KWARG.finditer(match["kwargs"] or "")}
    return MethodChoice(match["method"], params)
