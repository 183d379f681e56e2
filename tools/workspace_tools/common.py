"""What the workspace tool handlers share: turning the services' own errors into messages for the model."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from tools.codestore import CodeStoreError, PathRefused
from tools.forum import ForumError
from tools.registry import ToolContext, ToolError

HandlerT = TypeVar("HandlerT", bound=Callable[..., Any])

# Errors that describe the model's input (a missing file, an unknown post); anything else is a bug.
_EXPECTED = (CodeStoreError, PathRefused, ForumError)


def reports_input_errors(handler: HandlerT) -> HandlerT:
    """Let the code store's, the confined file access's and the forum's input errors reach the model as text."""

    @functools.wraps(handler)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return handler(*args, **kwargs)
        except _EXPECTED as error:
            raise ToolError(str(error)) from None

    return wrapper  # type: ignore[return-value]


def need(service: Any, what: str) -> Any:
    if service is None:
        raise ToolError(f"{what} is not available in this session")
    return service


def preview(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f" [... {len(text) - limit} more characters]"


def ctx_forum(ctx: ToolContext) -> Any:
    return need(ctx.forum, "the forum")


def ctx_codestore(ctx: ToolContext) -> Any:
    return need(ctx.codestore, "the code store")
