"""Seed directions: one Markdown file each (YAML front matter with a ``title``, then the direction's text).

The nine defaults live next to this module; a user adds a direction by dropping a file into a folder named in the
campaign config (``seeds_dirs``). A user file with the same name as a default replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from aar import ConfigError

DEFAULT_SEEDS_DIR = Path(__file__).parent


@dataclass(frozen=True)
class Seed:
    name: str
    title: str
    text: str
    path: Path
    order: int = 1000


def load_seed(path: Path) -> Seed:
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the seed file: {error.strerror}") from None
    title = path.stem.replace("_", " ").capitalize()
    order = 1000
    body = raw
    if raw.startswith("---"):
        header, separator, rest = raw[3:].partition("\n---")
        if not separator:
            raise ConfigError(f"{path}: the front matter opened with '---' is never closed")
        try:
            meta = yaml.safe_load(header) or {}
        except yaml.YAMLError:
            raise ConfigError(f"{path}: the front matter is not valid YAML") from None
        if not isinstance(meta, dict):
            raise ConfigError(f"{path}: the front matter must be a mapping such as 'title: ...'")
        title = str(meta.get("title", title))
        order = meta.get("order", order)
        if not isinstance(order, int):
            raise ConfigError(f"{path}: field 'order': expected an integer, got {order!r}")
        body = rest.lstrip("-").strip("\n")
    if not body.strip():
        raise ConfigError(f"{path}: the seed direction has no text")
    return Seed(name=path.stem, title=title, text=body.strip(), path=path, order=order)


def list_seeds(extra_dirs: list[Path] | tuple[Path, ...] = ()) -> list[Seed]:
    """The defaults then each extra folder's ``*.md`` files, by name (a later folder overrides an earlier one),
    sorted by their ``order`` then name."""
    by_name: dict[str, Seed] = {}
    for folder in (DEFAULT_SEEDS_DIR, *extra_dirs):
        if not folder.is_dir():
            raise ConfigError(f"{folder}: the seeds folder does not exist")
        for path in sorted(folder.glob("*.md")):
            by_name[path.stem] = load_seed(path)
    return sorted(by_name.values(), key=lambda seed: (seed.order, seed.name))


def assign_seeds(researchers: list[str], seeds: list[Seed]) -> dict[str, Seed]:
    """Spread the directions over the researchers in order (researcher i gets seed i modulo the count)."""
    if not seeds:
        raise ConfigError("no seed directions found")
    return {researcher: seeds[index % len(seeds)] for index, researcher in enumerate(researchers)}
