from __future__ import annotations

import io
import json
import threading
from pathlib import Path

from aar import RunFolder, configure_logging, get_logger, write_atomic


def test_log_lines_are_json_in_the_file_and_readable_on_the_console(tmp_path: Path) -> None:
    console = io.StringIO()
    log_file = tmp_path / "logs.jsonl"
    configure_logging(log_file=log_file, console=console)
    get_logger("test", researcher="r1").info("step_done", step=3)
    records = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert records[-1]["event"] == "step_done"
    assert records[-1]["researcher"] == "r1" and records[-1]["step"] == 3
    assert "step_done" in console.getvalue() and "{" not in console.getvalue().split("step_done")[0]
    configure_logging(console=io.StringIO())


def test_write_atomic_never_shows_a_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "status.json"
    write_atomic(target, json.dumps({"n": 0}))
    seen_bad: list[str] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            text = target.read_text()
            try:
                json.loads(text)
            except ValueError:
                seen_bad.append(text)

    thread = threading.Thread(target=reader)
    thread.start()
    for n in range(300):
        write_atomic(target, json.dumps({"n": n, "pad": "x" * 5000}))
    stop.set()
    thread.join()
    assert seen_bad == []
    assert json.loads(target.read_text())["n"] == 299


def test_run_folder_keeps_scorer_files_out_of_workspaces(tmp_path: Path) -> None:
    run = RunFolder(tmp_path / "r").ensure()
    workspace = run.workspace("alice")
    assert run.scorer_dir.is_dir()
    assert not run.scorer_dir.is_relative_to(workspace.parent)
    assert run.transcript("alice", 3).name == "session-0003.jsonl"


def test_logging_before_configuration_never_writes_to_stdout() -> None:
    import subprocess
    import sys

    code = "import aar; aar.get_logger('x').info('early_event')"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout == "" and "early_event" in result.stderr
