"""The scripted researcher: an offline ModelProvider with no LLM, deterministic for a seed.

It reads the tool results already in the conversation and answers with the next tool calls of a fixed research
routine that uses every tool a real researcher uses: survey the leaderboard and forum, list the code branches,
borrow the best-scoring method of another researcher when it beats its own, write a method file leaning toward its
seed direction, check it in the sandbox, run the experiment and wait for it, post the numbers, write the notebook.
It is the offline default (``make demo``) and the non-LLM baseline that LLM researchers are compared with.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from typing import Any

from agents.providers.base import AssistantTurn, Block, ModelRequest, Usage, estimate_tokens
from agents.providers.config import ScriptedConfig
from agents.providers.scripted_methods import (
    HYPERPARAMETERS,
    MethodChoice,
    choose_method,
    method_file,
    parse_method_file,
    preferred_methods,
)

DIRECTION = re.compile(r"^## Your starting direction: (?P<title>.+)\n(?P<text>(?:.+\n?)+)", re.MULTILINE)
NOTEBOOK_RESULT = re.compile(
    r"^- s\d+ method=(?P<method>\w+) params=(?P<params>\S*) pgr=(?P<pgr>-?[\d.]+)", re.MULTILINE
)
NOTEBOOK_NO_SCORE = re.compile(r"^- s\d+ method=(?P<method>\w+) params=\S* no score", re.MULTILINE)
WAIT_ROUNDS = 6


@dataclass
class Observation:
    name: str
    input: dict[str, Any]
    content: str
    is_error: bool

    def json(self) -> dict[str, Any]:
        try:
            value = json.loads(self.content)
        except json.JSONDecodeError:
            return {}
        return value if isinstance(value, dict) else {}


def observations(messages: list[dict[str, Any]]) -> list[Observation]:
    """Every tool call so far with its result, in order."""
    calls: dict[str, Block] = {}
    seen: list[Observation] = []
    for message in messages:
        if isinstance(message["content"], str):
            continue
        for block in message["content"]:
            if block.get("type") == "tool_use":
                calls[block["id"]] = block
            elif block.get("type") == "tool_result" and block.get("tool_use_id") in calls:
                call = calls[block["tool_use_id"]]
                content = block.get("content", "")
                text = content if isinstance(content, str) else json.dumps(content)
                seen.append(Observation(call["name"], call.get("input", {}), text, bool(block.get("is_error"))))
    return seen


def opening_text(messages: list[dict[str, Any]]) -> str:
    first = messages[0]["content"] if messages else ""
    return (
        first
        if isinstance(first, str)
        else "\n".join(block.get("text", "") for block in first if block.get("type") == "text")
    )


def notebook_section(opening: str) -> str:
    return opening.partition("## Your notebook")[2].partition("## Forum feed")[0]


def last_user_text(messages: list[dict[str, Any]]) -> str:
    if not messages or messages[-1]["role"] != "user":
        return ""
    return opening_text([messages[-1]])


class ScriptedProvider:
    name = "scripted"

    def __init__(self, config: ScriptedConfig) -> None:
        self.config = config

    def complete(self, request: ModelRequest) -> AssistantTurn:
        plan = _Routine(request, self.config.seed)
        content = plan.next_blocks()
        usage = Usage(
            input=estimate_tokens(request.system) + estimate_tokens(request.messages) + estimate_tokens(request.tools),
            output=estimate_tokens(content),
        )
        stop = "tool_use" if any(block["type"] == "tool_use" for block in content) else "end_turn"
        return AssistantTurn(content=content, stop_reason=stop, usage=usage, model="scripted", cost_usd=0.0)


class _Routine:
    """The next step of the routine, computed afresh from the request (the provider keeps no state)."""

    def __init__(self, request: ModelRequest, seed: int) -> None:
        self.request = request
        self.meta = request.meta
        self.seen = observations(request.messages)
        self.rng = random.Random(f"{seed}:{self.meta.researcher}:{self.meta.session}")
        self.tool_names = {tool["name"] for tool in request.tools}
        match = DIRECTION.search(request.system)
        self.direction_text = match["text"] if match else ""
        self.direction_title = match["title"].strip() if match else "none"
        self.notebook = notebook_section(opening_text(request.messages))
        self._ids = 0

    # -- helpers ---------------------------------------------------------------------------------
    def call(self, name: str, **args: Any) -> Block:
        self._ids += 1
        return {
            "type": "tool_use",
            "id": f"toolu_s{self.meta.session}t{self.meta.turn}c{self._ids}",
            "name": name,
            "input": args,
        }

    def last(self, name: str) -> Observation | None:
        return next((obs for obs in reversed(self.seen) if obs.name == name), None)

    def own_best(self) -> tuple[float, str | None]:
        results = [(float(match["pgr"]), match["method"]) for match in NOTEBOOK_RESULT.finditer(self.notebook)]
        return max(results, default=(float("-inf"), None))

    def borrow_target(self) -> dict[str, Any] | None:
        board = self.last("leaderboard")
        entries = board.json().get("entries", []) if board else []
        others = [
            entry
            for entry in entries
            if entry.get("researcher") != self.meta.researcher
            and entry.get("commit")
            and str(entry.get("method", "")).endswith(".py")
            and isinstance(entry.get("pgr"), int | float)
            and not entry.get("flags")
        ]
        best = max(others, key=lambda entry: entry["pgr"], default=None)
        own_pgr, own_method = self.own_best()
        # Explore its own direction first; borrow once it has a result of its own that another one beats.
        return best if best is not None and own_method is not None and best["pgr"] > own_pgr else None

    def choice(self) -> MethodChoice:
        copied = self.last("code_show")
        if copied is not None and not copied.is_error:
            borrowed = parse_method_file(copied.content)
            if borrowed is not None:
                return choose_method(
                    self.rng,
                    [borrowed.method],
                    base=borrowed,
                    note=f"borrowed from {str(copied.input.get('ref'))[:10]}",
                )
        failed = {match["method"] for match in NOTEBOOK_NO_SCORE.finditer(self.notebook)}  # flagged or broken
        best_method = self.own_best()[1]
        candidates = preferred_methods(self.direction_title, self.direction_text)
        candidates = [method for method in candidates if method not in failed] or list(HYPERPARAMETERS)
        if best_method is not None and best_method not in failed and self.rng.random() < 0.5:
            candidates = [best_method]  # exploit what worked before, half the time
        return choose_method(self.rng, candidates)

    def method_path(self) -> str:
        return f"methods/s{self.meta.session:02d}_{self.meta.researcher}.py"

    # -- the routine -----------------------------------------------------------------------------
    def next_blocks(self) -> list[Block]:
        wrap_up = "Write your notebook now" in last_user_text(self.request.messages)
        if wrap_up and self.last("notebook_write") is None:
            return [self.call("notebook_write", content=self.notebook_entry(), mode="append")]
        previous = self.seen[-1].name if self.seen else None
        step = {
            None: self.survey,
            "code_branches": self.borrow_or_write,
            "code_copy": self.write_method,
            "run_command": self.run_experiment,
            "run_experiment": self.wait,
            "wait_experiment": self.wait_or_report,
        }.get(previous, self.finish)
        return step()

    def survey(self) -> list[Block]:
        return [self.call("leaderboard", limit=10), self.call("forum_feed", limit=10), self.call("code_branches")]

    def borrow_or_write(self) -> list[Block]:
        target = self.borrow_target()
        if target is None:
            return self.write_method()
        source = str(target["method"])
        destination = f"methods/borrowed_{target['researcher']}_{source.rsplit('/', 1)[-1]}"
        return [
            self.call("code_show", ref=target["commit"], path=source),
            self.call("code_copy", ref=target["commit"], src=source, dst=destination),
        ]

    def write_method(self) -> list[Block]:
        """Write the method file and check it in the sandbox in the same turn (the calls run in order)."""
        choice = self.choice()
        text = method_file(choice, self.meta.researcher, self.meta.session, self.direction_title)
        # A syntax check that the file defines run(): cheap, unlike importing the training stack.
        check = (
            "import ast, sys; tree = ast.parse(open(sys.argv[1]).read()); "
            "names = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]; "
            "print('syntax ok; defines', names); sys.exit(0 if 'run' in names else 1)"
        )
        return [
            {"type": "text", "text": f"Trying {choice.describe()}."},
            self.call("write_file", path=self.method_path(), content=text),
            self.call("run_command", command=f'python -c "{check}" {self.method_path()}', timeout_s=60),
        ]

    def run_experiment(self) -> list[Block]:
        checked = self.last("run_command")
        if checked is not None and checked.is_error:
            return self.report()  # the check failed: say so rather than spend an experiment on it
        return [self.call("run_experiment", method_path=self.method_path())]

    def wait(self) -> list[Block]:
        started = self.last("run_experiment")
        experiment_id = started.json().get("experiment_id") if started else None
        if not experiment_id:
            return self.report()
        return [self.call("wait_experiment", experiment_id=experiment_id, timeout_s=600)]

    def wait_or_report(self) -> list[Block]:
        waited = self.last("wait_experiment")
        rounds = sum(1 for obs in self.seen if obs.name == "wait_experiment")
        if waited is not None and waited.json().get("state") in ("queued", "running") and rounds < WAIT_ROUNDS:
            return self.wait()
        return self.report()

    def result(self) -> tuple[MethodChoice | None, dict[str, Any]]:
        written = self.last("write_file")
        choice = parse_method_file(str(written.input.get("content", ""))) if written else None
        waited, started, checked = self.last("wait_experiment"), self.last("run_experiment"), self.last("run_command")
        if waited is not None:
            return choice, waited.json()
        if started is not None:
            return choice, {"state": "not started", "error": started.content} if started.is_error else started.json()
        if checked is not None and checked.is_error:
            return choice, {"state": "failed its check", "error": checked.content}
        return choice, {}

    def report(self) -> list[Block]:
        """The numbers on the forum and in the notebook, in one turn."""
        return [self.forum_post(), self.call("notebook_write", content=self.notebook_entry(), mode="append")]

    def forum_post(self) -> Block:
        choice, outcome = self.result()
        described = choice.describe() if choice else "my method"
        pgr = outcome.get("pgr_mean")
        if isinstance(pgr, int | float) and outcome.get("flags"):
            title = f"{described}: flagged ({self.why_no_score(outcome)})"
            body = (
                f"{described} measured PGR {pgr:.3f} on {outcome.get('task')}, but the hack checks flagged it "
                f"({', '.join(map(str, outcome['flags']))}), so it does not count. Code: {self.method_path()}."
            )
        elif isinstance(pgr, int | float):
            se = outcome.get("pgr_se")
            spread = f" +- {se:.3f}" if isinstance(se, int | float) else ""
            title = f"{described}: PGR {pgr:.3f}{spread}"
            body = (
                f"{described} on {outcome.get('task')} gave PGR {pgr:.3f}{spread} over seeds {outcome.get('seeds')} "
                f"(per seed: {outcome.get('per_seed')}). Flags: {outcome.get('flags') or 'none'}. "
                f"Direction: {self.direction_title}. Code: {self.method_path()}."
            )
        else:
            title = f"{described}: no score ({self.why_no_score(outcome)})"
            body = f"{described} did not produce a score: {outcome.get('error') or self.why_no_score(outcome)}."
        copied = self.last("code_copy")
        if copied is not None and not copied.is_error:
            body += f" Built on {copied.input.get('src')} at {str(copied.input.get('ref'))[:10]}, which scored best."
        experiment_id = outcome.get("experiment_id")
        args: dict[str, Any] = {"title": title, "body": body, "tags": ["scripted", choice.method if choice else "none"]}
        if experiment_id:
            args["experiment_ids"] = [experiment_id]
        return self.call("forum_post", **args)

    @staticmethod
    def why_no_score(outcome: dict[str, Any]) -> str:
        flags = outcome.get("flags") or []
        state = str(outcome.get("state", "no experiment"))
        return f"{state}: {', '.join(map(str, flags))}" if flags else state

    def notebook_entry(self) -> str:
        choice, outcome = self.result()
        pgr = outcome.get("pgr_mean")
        if choice is None:
            return f"- s{self.meta.session} no result ({self.why_no_score(outcome)})\n"
        if not isinstance(pgr, int | float) or outcome.get("flags"):
            return (
                f"- s{self.meta.session} method={choice.method} params={choice.params_text()} "
                f"no score ({self.why_no_score(outcome)})\n"
            )
        return (
            f"- s{self.meta.session} method={choice.method} params={choice.params_text()} pgr={pgr:.4f} "
            f"file={self.method_path()}\n"
        )

    def finish(self) -> list[Block]:
        choice, outcome = self.result()
        return [
            {
                "type": "text",
                "text": f"Session done: {choice.describe() if choice else 'no method'}, state {outcome.get('state')}.",
            }
        ]
