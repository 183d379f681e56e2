"""YAML configuration files validated by pydantic, with one-line errors instead of tracebacks."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

ModelT = TypeVar("ModelT", bound=BaseModel)


class ConfigError(ValueError):
    """A configuration file or value is wrong; the message is one line naming the file and the field."""


def _field_path(location: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in location:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(top level)"


def describe_validation_error(source: str, error: ValidationError) -> str:
    """One line: ``source: field 'a.b': expected ..., got ...`` (plus a count when there are more errors)."""
    first = error.errors()[0]
    got = first.get("input")
    got_text = "" if isinstance(got, dict) else f", got {got!r}"
    message = f"{source}: field '{_field_path(first['loc'])}': {first['msg']}{got_text}"
    extra = error.error_count() - 1
    return message + (f" (and {extra} more error{'s' if extra > 1 else ''})" if extra else "")


def validate_mapping(model: type[ModelT], data: Any, source: str) -> ModelT:
    """Validate already-parsed data, raising ConfigError with a one-line message."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ConfigError(describe_validation_error(source, error)) from None


def load_yaml_model(path: Path, model: type[ModelT]) -> ModelT:
    """Read a YAML file and validate it against ``model``; every failure is a one-line ConfigError."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the file: {error.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise ConfigError(f"{path}: not valid YAML{where}: {problem}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level, got {type(data).__name__}")
    return validate_mapping(model, data, str(path))
