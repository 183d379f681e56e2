"""The experiment tools through the real registry: commit then queue, idempotent per call, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

from aar import RunFolder
from tools.codestore import CodeStore
from tools.experiments import ExperimentService, register_experiment_tools
from tools.registry import ToolContext, ToolRegistry


def _setup(run_root: Path) -> tuple[ToolRegistry, ToolContext, CodeStore, ExperimentService]:
    run = RunFolder(run_root).ensure()
    codestore = CodeStore(run)
    workspace = codestore.ensure_researcher("r1")
    (workspace / "method.py").write_text("def run(ctx):\n    return [0.5] * len(ctx.test)\n")
    service = ExperimentService(run, default_task="tiny_math", default_seeds=(0, 1), allowed_tasks=frozenset({"tiny_math"}))
    ctx = ToolContext(researcher="r1", step_id="r1:s1:t1:c0", workspace=workspace, sandbox=None, codestore=codestore,
                      forum=None, notebook_path=run.notebook("r1"), experiments=service)
    return register_experiment_tools(ToolRegistry()), ctx, codestore, service


def test_run_experiment_commits_the_workspace_once_and_queues_once(run_root: Path) -> None:
    registry, ctx, codestore, service = _setup(run_root)
    first = registry.call("run_experiment", {"method_path": "method.py"}, ctx)
    again = registry.call("run_experiment", {"method_path": "method.py"}, ctx)  # the same step re-run after a crash
    assert first.ok and json.loads(first.content) == json.loads(again.content)
    assert first.data["state"] == "queued"
    assert codestore.show(first.data["commit"], "method.py").startswith("def run(ctx)")
    assert len(service.records()) == 1
    assert len(codestore.log(codestore.branch_of("r1"), limit=50)) == 2  # the branch's root and this one
    status = registry.call("experiment_status", {"experiment_id": first.data["experiment_id"]}, ctx)
    assert status.ok and status.data["seeds"] == [0, 1] and status.data["task"] == "tiny_math"
    service.close()


def test_bad_experiment_requests_are_explained(run_root: Path) -> None:
    registry, ctx, _, service = _setup(run_root)
    missing = registry.call("run_experiment", {"method_path": "nope.py"}, ctx)
    held_out = registry.call("run_experiment", {"method_path": "method.py", "task": "tiny_chat"}, ctx)
    unknown = registry.call("wait_experiment", {"experiment_id": "exp-0000000000", "timeout_s": 0}, ctx)
    assert not missing.ok and "'nope.py' is not a file in your workspace" in missing.content
    assert not held_out.ok and "not a research task" in held_out.content
    assert not unknown.ok and "no experiment 'exp-0000000000'" in unknown.content
    assert service.records() == []
    service.close()


def test_leaderboard_lists_nothing_before_any_score(run_root: Path) -> None:
    registry, ctx, _, service = _setup(run_root)
    result = registry.call("leaderboard", {"limit": 5}, ctx)
    assert result.ok and result.data == {"entries": []}
    service.close()
