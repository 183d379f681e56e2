"""The Python a sandbox runs: the host's interpreter and venv mounted read-only, plus only the core's source.

Experiments run ``python -m w2s_core.run_method`` inside a sandbox. Mounting the host interpreter prefix and
the venv at their own paths (read-only) gives the exact same torch/transformers/numpy without a registry; the
image only adds glibc, libstdc++ and a shell. Only the ``w2s_core`` and ``aar`` source folders go on
``PYTHONPATH``: the repository root (and its ``runs/`` with the scorer's database) is never mounted.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path

SOURCE_ROOT_INSIDE = "/opt/aar/src"
# Packages an experiment may import from this project; nothing else of the repository enters a sandbox.
SANDBOX_PACKAGES = ("w2s_core", "aar")


@dataclass(frozen=True)
class PythonEnvironment:
    """Read-only binds (host path, path inside) and environment variables for a sandbox's Python."""

    ro_binds: list[tuple[Path, str]] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)


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
    return PythonEnvironment(ro_binds=binds, env=env)
