from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AAR = Path(sys.executable).parent / "aar"


def test_help_lists_every_command_group() -> None:
    result = subprocess.run([str(AAR), "--help"], capture_output=True, text=True, check=True)
    for group in ("w2s", "scorer", "sandbox", "campaign", "seeds", "replay"):
        assert group in result.stdout


def test_version() -> None:
    result = subprocess.run([str(AAR), "--version"], capture_output=True, text=True, check=True)
    assert result.stdout.strip().startswith("aar ")
