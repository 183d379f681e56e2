"""Process-level settings: cache root, thread limit, device choice, stable config hashes."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import torch


def cache_root() -> Path:
    """``$AAR_CACHE`` or ``~/.cache/aar``."""
    return Path(os.environ.get("AAR_CACHE") or Path.home() / ".cache" / "aar")


def apply_thread_limit() -> None:
    """Honour ``AAR_TORCH_THREADS`` so an executor can give each experiment slot its own cores."""
    threads = os.environ.get("AAR_TORCH_THREADS")
    if threads:
        torch.set_num_threads(max(1, int(threads)))


def select_device(requested: str = "auto") -> torch.device:
    """``auto`` picks CUDA when present, else CPU; anything else is used as given."""
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(requested)


def quiet_transformers() -> None:
    """No per-load progress bars or info chatter from transformers (our CLI shows its own progress)."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


def config_hash(data: Any, salt: str = "") -> str:
    """A short stable digest of JSON-serialisable data."""
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(f"{salt}|{text}".encode()).hexdigest()[:16]


def offline_environment(tmp_dir: Path) -> None:
    """No downloads and caches under a writable temp dir (inside a sandbox only /tmp and /workspace are writable)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    for var in ("HF_HOME", "TORCH_HOME", "XDG_CACHE_HOME", "TRITON_CACHE_DIR"):
        os.environ.setdefault(var, str(tmp_dir / var.lower()))
