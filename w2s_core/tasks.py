"""Tasks: three splits of two-way classification examples, a registry by name, and the study's jsonl format.

A probability is always P(label index 1): ``B`` for chat, ``True`` for math and code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from aar import ConfigError

Family = Literal["chat", "math", "code"]
SPLITS: tuple[str, ...] = ("train_label", "train_unlabel", "test")
INPUT_FIELDS: dict[str, tuple[str, ...]] = {
    "chat": ("prompt", "first", "second"),
    "math": ("question", "answer"),
    "code": ("question", "answer"),
}
LABEL_NAMES: dict[str, tuple[str, str]] = {"chat": ("A", "B"), "math": ("False", "True"), "code": ("False", "True")}


@dataclass(frozen=True)
class Example:
    """One input (the family's text fields) with its label index (0/1), or None once stripped."""

    id: str
    inputs: dict[str, str]
    label: int | None = None


@dataclass
class Task:
    """A named task: family, label names and the three splits (with ground truth; trusted code only)."""

    name: str
    family: Family
    splits: dict[str, list[Example]]
    description: str = ""
    label_names: tuple[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.label_names = LABEL_NAMES[self.family]
        missing = [s for s in SPLITS if s not in self.splits]
        if missing:
            raise ConfigError(f"task '{self.name}': missing split(s) {missing}")

    def split(self, name: str) -> list[Example]:
        if name not in SPLITS:
            raise ConfigError(f"task '{self.name}': unknown split '{name}' (expected one of {list(SPLITS)})")
        return self.splits[name]

    def labels(self, split: str) -> np.ndarray:
        examples = self.split(split)
        if any(e.label is None for e in examples):
            raise ConfigError(f"task '{self.name}': split '{split}' has no ground truth")
        return np.array([e.label for e in examples], dtype=np.int64)

    def fingerprint(self) -> str:
        """A stable digest of the task's content (part of every cache key)."""
        import hashlib

        digest = hashlib.sha256(f"{self.name}|{self.family}".encode())
        for split in SPLITS:
            for example in self.splits[split]:
                digest.update(json.dumps([split, example.id, example.inputs, example.label], sort_keys=True).encode())
        return digest.hexdigest()[:16]


_REGISTRY: dict[str, Callable[[], Task]] = {}
_LOADED: dict[str, Task] = {}


def register_task(name: str, factory: Callable[[], Task] | Path | str) -> None:
    """Register a task by name: a factory returning a Task, or a folder in the study's jsonl format."""
    if isinstance(factory, (str, Path)):
        folder = Path(factory)
        _REGISTRY[name] = lambda: load_task_folder(folder, name=name)
    else:
        _REGISTRY[name] = factory
    _LOADED.pop(name, None)


# The bundled tasks' generators live in w2s_core.bundled, which sandboxes do not get (SANDBOX_EXCLUDE): they can
# rebuild ground truth. So they are registered on first use, from trusted code only.
_BUNDLED = ("tiny_math", "tiny_chat")


def _register_bundled() -> None:
    if all(name in _REGISTRY for name in _BUNDLED):
        return
    from w2s_core import bundled

    for name in _BUNDLED:
        _REGISTRY.setdefault(name, getattr(bundled, name))


def list_tasks() -> list[str]:
    _register_bundled()
    return sorted(_REGISTRY)


def get_task(name: str) -> Task:
    """A registered task by name, or a folder path in the study's jsonl format."""
    if name not in _LOADED:
        if name in _BUNDLED:
            _register_bundled()
        if name in _REGISTRY:
            _LOADED[name] = _REGISTRY[name]()
        elif Path(name).is_dir():
            return load_task_folder(Path(name))
        else:
            raise ConfigError(f"unknown task '{name}' (known: {', '.join(list_tasks())}; or give a task folder)")
    return _LOADED[name]


def _parse_row(row: object, family: Family, where: str, index: int) -> Example:
    if not isinstance(row, dict):
        raise ConfigError(f"{where}: expected a JSON object, got {type(row).__name__}")
    inputs: dict[str, str] = {}
    for key in INPUT_FIELDS[family]:
        value = row.get(key)
        if not isinstance(value, str):
            raise ConfigError(f"{where}: field '{key}' must be a string, got {value!r}"[:300])
        inputs[key] = value
    label: int | None = None
    if "label" in row:
        raw = row["label"]
        names = LABEL_NAMES[family]
        text = str(raw) if not isinstance(raw, bool) else ("True" if raw else "False")
        if text not in names:
            raise ConfigError(f"{where}: field 'label' must be one of {list(names)}, got {raw!r}")
        label = names.index(text)
    example_id = row.get("id", f"{index}")
    return Example(id=str(example_id), inputs=inputs, label=label)


def detect_family(row: dict[str, object]) -> Family:
    return "chat" if "prompt" in row and "first" in row else "math"


def read_jsonl(path: Path, family: Family | None = None) -> tuple[Family, list[Example]]:
    """Read one split file; a malformed row raises ConfigError naming ``file:line``."""
    examples: list[Example] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the file: {error.strerror}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise ConfigError(f"{where}: not valid JSON: {error.msg}") from None
        if family is None and isinstance(row, dict):
            family = detect_family(row)
        examples.append(_parse_row(row, family or "math", where, len(examples)))
    if family is None:
        raise ConfigError(f"{path}: no rows")
    return family, examples


def load_task_folder(folder: Path, name: str | None = None, family: Family | None = None) -> Task:
    """A task from a folder holding ``train_label.jsonl``, ``train_unlabel.jsonl`` and ``test.jsonl``.

    ``family`` is read from ``task.json`` if present, else detected from the first row (``prompt`` -> chat).
    """
    meta_path = folder / "task.json"
    if family is None and meta_path.exists():
        family = json.loads(meta_path.read_text()).get("family")
    splits: dict[str, list[Example]] = {}
    for split in SPLITS:
        path = folder / f"{split}.jsonl"
        if not path.exists():
            raise ConfigError(f"{folder}: missing split file {path.name}")
        family, splits[split] = read_jsonl(path, family)
    assert family is not None
    return Task(name=name or folder.name, family=family, splits=splits)


def example_row(example: Example, family: Family, with_label: bool) -> dict[str, object]:
    row: dict[str, object] = {"id": example.id, **example.inputs}
    if with_label and example.label is not None:
        row["label"] = LABEL_NAMES[family][example.label]
    return row


def write_task_folder(task: Task, folder: Path, strip_labels_of: tuple[str, ...] = ()) -> Path:
    """Write a task in the study's jsonl format; splits named in ``strip_labels_of`` lose their labels."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "task.json").write_text(json.dumps({"name": task.name, "family": task.family}))
    for split in SPLITS:
        keep = split not in strip_labels_of
        lines = [json.dumps(example_row(e, task.family, keep)) for e in task.split(split)]
        (folder / f"{split}.jsonl").write_text("\n".join(lines) + "\n")
    return folder


def strip_labels(task: Task, folder: Path) -> Path:
    """The copy researchers may see: ``train_label`` keeps ground truth, ``train_unlabel`` and ``test`` lose it."""
    return write_task_folder(task, folder, strip_labels_of=("train_unlabel", "test"))
