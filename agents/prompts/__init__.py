"""Prompt templates: the system prompt (stable for a researcher across every request, so it stays cached) and
the first user message of a session (notebook, forum feed, leaderboard)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

from agents.seeds import Seed

PROMPTS_DIR = Path(__file__).parent
WRAP_UP_MESSAGE = (
    "This session ends after your next step ({reason}). Write your notebook now with notebook_write: what you "
    "tried, the numbers, and what you would do next. Everything else is forgotten when the session ends."
)
MAX_TOKENS_MESSAGE = "Your last reply was cut off at the output limit. Continue, more briefly, in smaller steps."


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(PROMPTS_DIR),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render_system_prompt(researcher: str, seed: Seed, tasks: list[str] | tuple[str, ...] = ()) -> str:
    return _environment().get_template("system.md.j2").render(researcher=researcher, seed=seed, tasks=list(tasks))


def render_session_start(session: int, notebook: str, feed: str, leaderboard: str, max_steps: int) -> str:
    return (
        _environment()
        .get_template("session_start.md.j2")
        .render(
            session=session,
            notebook=notebook.strip(),
            feed=feed.strip(),
            leaderboard=leaderboard.strip(),
            max_steps=max_steps,
        )
    )
