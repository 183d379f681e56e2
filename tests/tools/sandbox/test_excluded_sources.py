"""A package's SANDBOX_EXCLUDE list: those files and folders are empty inside a sandbox, the rest is there."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tools.sandbox.conftest import BACKENDS, SandboxFactory
from tools.sandbox import pyenv


@pytest.fixture()
def fake_core(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    package = tmp_path / "src" / "w2s_core"
    (package / "truth").mkdir(parents=True)
    (package / "keep.py").write_text("VISIBLE = 1\n")
    (package / "generator.py").write_text("LABELS = [1, 0, 1]\n")
    (package / "truth" / "labels.jsonl").write_text('{"label": 1}\n')
    (package / pyenv.EXCLUDE_FILE).write_text("generator.py\ntruth  # folder\n../../escape.py\n")
    real = pyenv.package_dir
    monkeypatch.setattr(pyenv, "package_dir", lambda name: package if name == "w2s_core" else real(name))
    return package


@pytest.mark.parametrize("backend", BACKENDS)
def test_excluded_files_are_empty_inside(backend: str, make_sandbox: SandboxFactory, fake_core: Path) -> None:
    box = make_sandbox(backend)
    root = f"{pyenv.SOURCE_ROOT_INSIDE}/w2s_core"
    result = box.exec(f"cat {root}/keep.py; cat {root}/generator.py; ls -A {root}/truth | wc -l", timeout_s=20)
    assert result.exit_code == 0, result.output
    assert result.output.split() == ["VISIBLE", "=", "1", "0"]


def test_paths_outside_the_package_are_ignored(fake_core: Path) -> None:
    pairs = pyenv.excluded(fake_core, "/opt/aar/src/w2s_core")
    assert sorted(inside for _, inside in pairs) == ["/opt/aar/src/w2s_core/generator.py", "/opt/aar/src/w2s_core/truth"]
