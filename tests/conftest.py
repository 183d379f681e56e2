"""Suite-wide fixtures. Package-specific fixtures live in each tests/<package>/conftest.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never touch the user's model cache unless AAR_TEST_CACHE names one to share (CI speed)."""
    shared = os.environ.get("AAR_TEST_CACHE")
    os.environ["AAR_CACHE"] = shared or str(tmp_path_factory.mktemp("aar-cache"))


@pytest.fixture()
def run_root(tmp_path: Path) -> Path:
    """An empty run folder for one test."""
    root = tmp_path / "run"
    root.mkdir()
    return root
