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


def test_bad_config_is_one_unwrapped_line_on_stderr(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("seed_directions: [ensembling]\ntasks: [tiny_math]\nresearchers: many\n")
    result = subprocess.run([str(AAR), "campaign", "run", "--config", str(bad)], capture_output=True, text=True,
                            env={"COLUMNS": "60", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(bad) in lines[0] and "'researchers'" in lines[0] and "'many'" in lines[0]
