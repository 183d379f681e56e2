"""The Python a sandbox runs: the host's interpreter and venv mounted read-only, plus only the core's source.

Experiments run ``python -m w2s_core.run_method`` inside a sandbox. Mounting the host interpreter prefix and
the venv at their own paths (read-only) gives the exact same torch/transformers/numpy without a registry; the
image only adds glibc, libstdc++ and a shell. Only the ``w2s_core`` and ``aar`` source folders go on
``PYTHONPATH``: the repository root (and its ``runs/`` with the scorer's database) is never mounted.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

SOURCE_ROOT_INSIDE = "/opt/aar/src"
# A package may list files or folders (relative, one a line) that must not enter a sandbox, e.g. code that
# regenerates ground truth; each is mounted over with an empty file or folder.
EXCLUDE_FILE = "SANDBOX_EXCLUDE"
# Packages an experiment may import from this project; nothing else of the repository enters a sandbox.
SANDBOX_PACKAGES = ("w2s_core", "aar")


@dataclass(frozen=True)
class PythonEnvironment:
    """Read-only binds (host path, path inside) and environment variables for a sandbox's Python."""

    ro_binds: list[tuple[Path, str]] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    blanked: list[tuple[Path, str]] = field(default_factory=list)  # (empty stand-in, path inside) mounted last


def empty_stand_in(is_dir: bool) -> Path:
    """An empty, read-only file or folder kept in the temp dir (not /dev/null: bwrap mounts binds nodev)."""
    path = Path(tempfile.gettempdir()) / ("aar-sandbox-empty-dir" if is_dir else "aar-sandbox-empty-file")
    # Made once (by whoever comes first) and never touched again: another user may own it.
    if is_dir:
        path.mkdir(mode=0o555, exist_ok=True)
    elif not path.exists():
        path.touch(mode=0o444)
    return path


def excluded(package: Path, inside: str) -> list[tuple[Path, str]]:
    """The (stand-in, path inside) pairs for what ``package``'s SANDBOX_EXCLUDE lists."""
    listing = package / EXCLUDE_FILE
    if not listing.is_file():
        return []
    pairs = []
    for line in listing.read_text(encoding="utf-8").splitlines():
        rel = line.split("#")[0].strip()
        target = (package / rel).resolve()
        if not rel or not target.is_relative_to(package) or not target.exists():
            continue
        pairs.append((empty_stand_in(target.is_dir()), f"{inside}/{target.relative_to(package)}"))
    return pairs


def package_dir(name: str) -> Path:
    """The source folder of an importable package, found without importing it (w2s_core imports torch)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"package {name!r} is not importable here; the sandbox needs its source")
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def base_env() -> dict[str, str]:
    """Variables every sandbox gets: a writable HOME in /tmp, offline Hugging Face, unbuffered Python."""
    return {
        "HOME": "/tmp",
        "TMPDIR": "/tmp",
        "LANG": "C.UTF-8",
        "PYTHONPATH": SOURCE_ROOT_INSIDE,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "MPLCONFIGDIR": "/tmp/.matplotlib",
    }


def python_environment(host_python: bool) -> PythonEnvironment:
    """Binds and variables; ``host_python`` mounts this interpreter (and venv) instead of using the image's."""
    binds = [(package_dir(name), f"{SOURCE_ROOT_INSIDE}/{name}") for name in SANDBOX_PACKAGES]
    blanked = [pair for path, inside in binds for pair in excluded(path, inside)]
    env = base_env()
    path = ["/usr/local/bin", "/usr/bin", "/bin"]
    if host_python:
        prefixes = [Path(sys.base_prefix).resolve()]
        venv = Path(sys.prefix).resolve()
        if venv != prefixes[0]:
            prefixes.append(venv)
            env["VIRTUAL_ENV"] = str(venv)
        binds += [(prefix, str(prefix)) for prefix in prefixes]
        path = [str(prefix / "bin") for prefix in reversed(prefixes)] + path
    env["PATH"] = ":".join(path)
    return PythonEnvironment(ro_binds=binds, env=env, blanked=blanked)
