"""The researcher framework's own overhead per step: model time and tool time excluded.

Runs researcher sessions in a temporary run folder with a provider that answers instantly and tools that return
realistic amounts of text, timing each model step and tool step and subtracting the time spent inside the
provider and inside the tool handlers. What is left is the framework: building requests (with their hashes),
redacting and writing transcript lines, validating tool calls, step ids, limits. Target: median <= 20 ms.

    .venv/bin/python bench/agent_step.py [--sessions 5] [--steps 40] [--result-chars 2000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from pydantic import Field

from aar import RunFolder, configure_logging
from agents import Researcher, SessionLimits, list_seeds
from agents.providers.base import AssistantTurn, ModelRequest, Usage
from tools.registry import Tool, ToolArgs, ToolContext, ToolRegistry

TARGET_MS = 20.0


class Clock:
    """Seconds spent inside the provider and the tool handlers: the part the benchmark excludes."""

    def __init__(self) -> None:
        self.excluded = 0.0

    def timed(self, function: Any) -> Any:
        def wrapper(*args: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args)
            finally:
                self.excluded += time.perf_counter() - started

        return wrapper


class InstantProvider:
    """Two tool calls a turn (a read and a command), as a busy researcher makes them."""

    name = "bench"

    def __init__(self, clock: Clock) -> None:
        self.complete = clock.timed(self._complete)

    def _complete(self, request: ModelRequest) -> AssistantTurn:
        turn = request.meta.turn
        content = [
            {"type": "text", "text": f"Step {turn}: reading results and trying the next variant. " * 4},
            {
                "type": "tool_use",
                "id": f"toolu_{turn}_a",
                "name": "read_file",
                "input": {"path": f"methods/m{turn}.py"},
            },
            {
                "type": "tool_use",
                "id": f"toolu_{turn}_b",
                "name": "run_command",
                "input": {"command": "python -m py_compile m.py", "timeout_s": 60},
            },
        ]
        return AssistantTurn(content, "tool_use", Usage(input=2000 + 600 * turn, output=120), "bench")


class ReadArgs(ToolArgs):
    path: str


class CommandArgs(ToolArgs):
    command: str
    timeout_s: float = Field(60.0, gt=0)


def registry(clock: Clock, result_chars: int) -> ToolRegistry:
    text = ("def run(ctx):\n    return get_builtin('logconf')(ctx, aux_weight=0.5)\n" * 200)[:result_chars]
    return ToolRegistry(
        [
            Tool("read_file", "Read a file.", ReadArgs, clock.timed(lambda args, ctx: text)),
            Tool("run_command", "Run a command.", CommandArgs, clock.timed(lambda args, ctx: "exit code 0\n" + text)),
        ]
    )


def measure(sessions: int, steps: int, result_chars: int) -> list[float]:
    overheads_ms: list[float] = []
    with tempfile.TemporaryDirectory(prefix="aar-bench-agent-") as folder:
        run = RunFolder(Path(folder)).ensure()
        clock = Clock()
        researcher = Researcher(
            "r0",
            InstantProvider(clock),
            registry(clock, result_chars),
            run,
            list_seeds()[0],
            SessionLimits(max_steps=steps, max_context_tokens=10**9),
        )
        ctx = ToolContext(
            researcher="r0",
            step_id="",
            workspace=run.workspace("r0"),
            sandbox=None,
            codestore=None,
            forum=None,
            notebook_path=run.notebook("r0"),
        )
        for session in range(1, sessions + 1):
            state = researcher.start_session(session, ctx)
            while not state.done:
                clock.excluded = 0.0
                started = time.perf_counter()
                turn = researcher.model_step(state)
                if not state.done:
                    researcher.tool_step(state, turn, ctx)
                overheads_ms.append((time.perf_counter() - started - clock.excluded) * 1000)
    return overheads_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=5)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--result-chars", type=int, default=2000)
    args = parser.parse_args()
    configure_logging(level="WARNING")
    measure(1, 3, args.result_chars)  # warm imports and caches
    overheads = measure(args.sessions, args.steps, args.result_chars)
    ordered = sorted(overheads)
    median = statistics.median(ordered)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    late = statistics.median(overheads[args.steps - 5 : args.steps])
    print(
        f"agent step overhead over {len(overheads)} steps ({args.sessions} sessions x {args.steps} steps, "
        f"{args.result_chars}-character tool results, two calls a step)"
    )
    print(
        f"  median {median:.2f} ms   p95 {p95:.2f} ms   max {ordered[-1]:.2f} ms   "
        f"median of the last 5 steps of a session {late:.2f} ms"
    )
    print(f"  target: median <= {TARGET_MS:.0f} ms -> {'PASS' if median <= TARGET_MS else 'FAIL'}")


if __name__ == "__main__":
    main()
