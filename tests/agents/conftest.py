"""A small research lab for the agent tests: the real tool registry with deterministic experiment tools.

Workspace tools (files, forum, code store, notebook) are the real ones from ``tools.workspace_tools`` when that
package provides ``default_registry``; until then a minimal local stand-in over the same folders is used.
Experiments are scored by a deterministic formula of the method file, so a session's results are reproducible.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pydantic import Field

from aar import RunFolder
from tools.registry import Tool, ToolArgs, ToolContext, ToolError, ToolRegistry

BASE_PGR = {"naive": 0.10, "soft_xent": 0.14, "logconf": 0.20, "product": 0.12, "confident_only": 0.18,
            "bootstrap": 0.16, "zero_shot": 0.05}


class RunExperimentArgs(ToolArgs):
    method_path: str = Field(min_length=1)
    task: str | None = None
    seeds: list[int] | None = None


class WaitArgs(ToolArgs):
    experiment_id: str
    timeout_s: float = 600.0


class LimitArgs(ToolArgs):
    limit: int = 10


class NoArgs(ToolArgs):
    pass


class PathArgs(ToolArgs):
    path: str


class WriteArgs(ToolArgs):
    path: str
    content: str


class CommandArgs(ToolArgs):
    command: str
    timeout_s: float = 60.0


class PostArgs(ToolArgs):
    title: str
    body: str
    tags: list[str] = []
    experiment_ids: list[str] = []
    commits: list[str] = []


class ShowArgs(ToolArgs):
    ref: str
    path: str


class CopyArgs(ToolArgs):
    ref: str
    src: str
    dst: str


class NotebookWriteArgs(ToolArgs):
    content: str
    mode: str = "replace"


def score(text: str) -> float:
    """A deterministic PGR for a method file: its built-in's base plus a bump from its hyper-parameters."""
    match = re.search(r'get_builtin\("(\w+)"\)\(ctx(.*)\)', text)
    if not match:
        return -0.05
    numbers = [float(value) for value in re.findall(r"=\s*([\d.]+)", match[2])]
    return round(BASE_PGR.get(match[1], 0.0) + 0.1 * sum(numbers) / max(1, len(numbers)), 4)


@dataclass
class Lab:
    """Shared state of one campaign: commits (snapshots of workspaces), experiments, forum posts."""

    run: RunFolder
    commits: dict[str, dict[str, Any]] = field(default_factory=dict)
    experiments: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_step: dict[str, str] = field(default_factory=dict)
    posts: list[dict[str, Any]] = field(default_factory=list)
    score_shift: float = 0.0  # a different environment, for replay divergence

    def context(self, researcher: str) -> ToolContext:
        workspace = self.run.workspace(researcher)
        workspace.mkdir(parents=True, exist_ok=True)
        return ToolContext(researcher=researcher, step_id="", workspace=workspace, sandbox=None, codestore=None,
                           forum=None, notebook_path=self.run.notebook(researcher))

    # -- experiments ----------------------------------------------------------------------------
    def run_experiment(self, args: RunExperimentArgs, ctx: ToolContext) -> dict[str, Any]:
        path = ctx.workspace / args.method_path
        if not path.is_file():
            raise ToolError(f"method_path: {args.method_path!r} is not a file in your workspace")
        if ctx.step_id not in self.by_step:
            files = {str(p.relative_to(ctx.workspace)): p.read_text() for p in sorted(ctx.workspace.rglob("*.py"))}
            commit = hashlib.sha1(json.dumps([ctx.researcher, files], sort_keys=True).encode()).hexdigest()
            self.commits[commit] = {"researcher": ctx.researcher, "files": files}
            experiment_id = f"exp-{len(self.experiments) + 1:04d}"
            self.experiments[experiment_id] = {
                "experiment_id": experiment_id, "state": "done", "task": args.task or "tiny_math",
                "method": args.method_path, "seeds": args.seeds or [1, 2], "researcher": ctx.researcher,
                "commit": commit, "pgr_mean": round(score(files[args.method_path]) + self.score_shift, 4), "pgr_se": 0.01, "flags": [], "error": None,
            }
            self.by_step[ctx.step_id] = experiment_id
        record = self.experiments[self.by_step[ctx.step_id]]
        return {"experiment_id": record["experiment_id"], "commit": record["commit"], "state": "queued"}

    def wait_experiment(self, args: WaitArgs, ctx: ToolContext) -> dict[str, Any]:
        if args.experiment_id not in self.experiments:
            raise ToolError(f"experiment_id: no experiment {args.experiment_id!r}")
        record = dict(self.experiments[args.experiment_id])
        record["per_seed"] = [record["pgr_mean"] - 0.01, record["pgr_mean"] + 0.01]
        record.pop("researcher")
        return record

    def leaderboard(self, args: LimitArgs, ctx: ToolContext) -> dict[str, Any]:
        done = sorted(self.experiments.values(), key=lambda record: -record["pgr_mean"])[: args.limit]
        return {"entries": [{"rank": rank, "researcher": r["researcher"], "method": r["method"],
                             "experiment_id": r["experiment_id"], "commit": r["commit"], "pgr": r["pgr_mean"],
                             "flags": r["flags"]} for rank, r in enumerate(done, start=1)]}

    # -- a minimal stand-in for the workspace tools ------------------------------------------------
    def write_file(self, args: WriteArgs, ctx: ToolContext) -> str:
        target = ctx.workspace / args.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(args.content)
        return f"wrote {args.path} ({len(args.content)} characters)"

    def run_command(self, args: CommandArgs, ctx: ToolContext) -> str:
        done = subprocess.run(["bash", "-c", args.command], cwd=ctx.workspace, capture_output=True, text=True,
                              timeout=args.timeout_s)
        output = (done.stdout + done.stderr).replace(str(ctx.workspace), "/workspace")  # as seen in a sandbox
        return f"exit code {done.returncode}\n{output}"

    def forum_post(self, args: PostArgs, ctx: ToolContext) -> dict[str, Any]:
        self.posts.append({"author": ctx.researcher, "title": args.title, "body": args.body})
        return {"post_id": len(self.posts)}

    def forum_feed(self, args: LimitArgs, ctx: ToolContext) -> dict[str, Any]:
        return {"posts": self.posts[-args.limit:]}

    def code_branches(self, args: NoArgs, ctx: ToolContext) -> dict[str, Any]:
        return {"branches": sorted({f"researcher/{c['researcher']}" for c in self.commits.values()})}

    def code_show(self, args: ShowArgs, ctx: ToolContext) -> str:
        files = self.commits.get(args.ref, {}).get("files", {})
        if args.path not in files:
            raise ToolError(f"no file {args.path!r} at {args.ref!r}")
        return files[args.path]

    def code_copy(self, args: CopyArgs, ctx: ToolContext) -> str:
        return self.write_file(WriteArgs(path=args.dst, content=self.code_show(ShowArgs(ref=args.ref, path=args.src), ctx)), ctx)

    def notebook_read(self, args: NoArgs, ctx: ToolContext) -> str:
        return ctx.notebook_path.read_text() if ctx.notebook_path.is_file() else ""

    def notebook_write(self, args: NotebookWriteArgs, ctx: ToolContext) -> str:
        ctx.notebook_path.parent.mkdir(parents=True, exist_ok=True)
        before = self.notebook_read(NoArgs(), ctx) if args.mode == "append" else ""
        ctx.notebook_path.write_text(before + args.content)
        return "notebook saved"

    def registry(self) -> ToolRegistry:
        tools = [
            Tool("run_experiment", "Commit the workspace and score a method.", RunExperimentArgs, self.run_experiment),
            Tool("wait_experiment", "Wait for an experiment.", WaitArgs, self.wait_experiment),
            Tool("leaderboard", "Best scores.", LimitArgs, self.leaderboard),
            Tool("write_file", "Write a file.", WriteArgs, self.write_file),
            Tool("run_command", "Run a shell command.", CommandArgs, self.run_command),
            Tool("forum_post", "Post.", PostArgs, self.forum_post),
            Tool("forum_feed", "New posts.", LimitArgs, self.forum_feed),
            Tool("code_branches", "Branches.", NoArgs, self.code_branches),
            Tool("code_show", "Show a file at a commit.", ShowArgs, self.code_show),
            Tool("code_copy", "Copy a file from a commit.", CopyArgs, self.code_copy),
            Tool("notebook_read", "Read the notebook.", NoArgs, self.notebook_read),
            Tool("notebook_write", "Write the notebook.", NotebookWriteArgs, self.notebook_write),
        ]
        return ToolRegistry(tools)


@pytest.fixture
def make_lab(tmp_path: Path) -> Callable[[str], Lab]:
    """Independent labs in one test (a recording and its replay), each in its own run folder."""
    return lambda name: Lab(RunFolder(tmp_path / name).ensure())


@pytest.fixture
def lab(make_lab: Callable[[str], Lab]) -> Lab:
    return make_lab("run")
