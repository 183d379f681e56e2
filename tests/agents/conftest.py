"""A small research lab for the agent tests, built from the real parts: the tool registry with every workspace
tool (git code store, SQLite forum, notebook), the experiment tools over the real experiment service, and a
deterministic executor that scores a committed method file by formula instead of training models.

``run_command`` runs in a plain local shell stand-in for the sandbox (the sandboxes have their own tests).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from aar import RunFolder
from tools.codestore import CodeStore
from tools.experiments import ExperimentJob, ExperimentOutcome, ExperimentService, SeedResult, register_experiment_tools
from tools.forum import Forum
from tools.registry import ToolContext, ToolRegistry
from tools.workspace_tools import default_registry

BASE_PGR = {
    "naive": 0.10,
    "soft_xent": 0.14,
    "logconf": 0.20,
    "product": 0.12,
    "confident_only": 0.18,
    "bootstrap": 0.16,
    "zero_shot": 0.05,
}


def score(text: str) -> float:
    """A deterministic PGR for a method file: its built-in's base plus a bump from its hyper-parameters."""
    match = re.search(r'get_builtin\("(\w+)"\)\(ctx(.*)\)', text)
    if not match:
        return -0.05
    numbers = [float(value) for value in re.findall(r"=\s*([\d.]+)", match[2])]
    return round(BASE_PGR.get(match[1], 0.0) + 0.1 * sum(numbers) / max(1, len(numbers)), 4)


@dataclass
class FormulaExecutor:
    """Scores the committed method file with :func:`score` (plus ``shift``: a different environment)."""

    codestore: CodeStore
    shift: float = 0.0
    slots: int = 1
    flagged: str = ""  # a built-in whose experiments the hack checks flag

    def run(
        self, job: ExperimentJob, slot: int, done_seeds: dict[int, SeedResult], record: Callable[[SeedResult], None]
    ) -> ExperimentOutcome:
        text = self.codestore.show(job.commit or "", job.method_path)
        results = []
        for offset, seed in enumerate(job.seeds):
            result = done_seeds.get(seed) or SeedResult(
                seed=seed, pgr=round(score(text) + self.shift + 0.01 * offset, 4)
            )
            record(result)
            results.append(result)
        flags = ["constant_predictions"] if self.flagged and f'get_builtin("{self.flagged}")' in text else []
        return ExperimentOutcome(per_seed=results, flags=flags)

    def close(self) -> None:
        pass


@dataclass
class LocalShell:
    """Stand-in for a sandbox: the command runs in the workspace, paths shown as a sandbox would show them."""

    workspace: Path

    @dataclass
    class Outcome:
        exit_code: int
        output: str
        timed_out: bool = False
        truncated: bool = False
        seconds: float = 0.0

    def exec(self, command: str, timeout_s: float, cwd: str = "/workspace") -> LocalShell.Outcome:
        started = time.perf_counter()
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}  # the venv's python
        done = subprocess.run(
            ["bash", "-c", command], cwd=self.workspace, capture_output=True, text=True, timeout=timeout_s, env=env
        )
        output = (done.stdout + done.stderr).replace(str(self.workspace), "/workspace")
        return self.Outcome(done.returncode, output, seconds=time.perf_counter() - started)


@dataclass
class Lab:
    run: RunFolder
    codestore: CodeStore = field(init=False)
    forum: Forum = field(init=False)
    executor: FormulaExecutor = field(init=False)
    service: ExperimentService = field(init=False)

    def __post_init__(self) -> None:
        self.codestore = CodeStore(self.run)
        self.forum = Forum(self.run.forum)
        self.executor = FormulaExecutor(self.codestore)
        self.service = ExperimentService(self.run, self.executor, default_task="tiny_math", default_seeds=(1, 2))
        self.service.start()

    @property
    def score_shift(self) -> float:
        return self.executor.shift

    @score_shift.setter
    def score_shift(self, value: float) -> None:
        self.executor.shift = value

    def registry(self) -> ToolRegistry:
        return register_experiment_tools(default_registry())

    def context(self, researcher: str) -> ToolContext:
        workspace = self.codestore.ensure_researcher(researcher)
        return ToolContext(
            researcher=researcher,
            step_id="",
            workspace=workspace,
            sandbox=LocalShell(workspace),
            codestore=self.codestore,
            forum=self.forum,
            notebook_path=self.run.notebook(researcher),
            experiments=self.service,
        )

    def post_titles(self) -> list[str]:
        return [post.title for post in self.forum.search("PGR", limit=50).items]

    def close(self) -> None:
        self.service.close()
        self.forum.close()


@pytest.fixture
def make_lab(tmp_path: Path) -> Iterator[Callable[[str], Lab]]:
    """Independent labs in one test (a recording and its replay), each in its own run folder."""
    labs: list[Lab] = []

    def make(name: str) -> Lab:
        labs.append(Lab(RunFolder(tmp_path / name).ensure()))
        return labs[-1]

    yield make
    for lab in labs:
        lab.close()


@pytest.fixture
def lab(make_lab: Callable[[str], Lab]) -> Lab:
    return make_lab("run")


def tool_history(run: RunFolder, researcher: str, session: int) -> list[dict[str, Any]]:
    from agents.transcript import read_transcript

    return [
        record for record in read_transcript(run.transcript(researcher, session)) if record["kind"] == "tool_result"
    ]


def assert_same_tool_history(first: list[dict[str, Any]], second: list[dict[str, Any]]) -> int:
    """Same calls with the same inputs and results, up to timestamps and made-up identifiers (experiment ids,
    commit ids) mapped consistently; returns how many identifiers differed."""
    from agents.providers.replay import IdentifierMap

    assert len(first) == len(second)
    identifiers = IdentifierMap()
    for old, new in zip(first, second, strict=True):
        assert (old["turn"], old["call"], old["step_id"], old["name"], old["is_error"]) == (
            new["turn"],
            new["call"],
            new["step_id"],
            new["name"],
            new["is_error"],
        )
        assert identifiers.apply([old["input"]])[0] == new["input"], old["step_id"]
        assert identifiers.matches(old["content"], new["content"]), (old["step_id"], old["content"], new["content"])
    return sum(1 for old, new in identifiers.live_of.items() if old != new)


@pytest.fixture
def same_tool_history() -> Callable[..., int]:
    return lambda first_run, second_run, researcher, session: assert_same_tool_history(
        tool_history(first_run, researcher, session), tool_history(second_run, researcher, session)
    )
