"""The one retry owner for LLM providers: tenacity, exponential backoff with full jitter, honouring retry-after.

The SDKs' own retries are switched off (``max_retries=0``) so that a request is never retried by two layers.
When the budget (attempts or seconds) runs out the call raises :class:`ProviderUnavailable`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_random_exponential,
)

from aar import get_logger
from agents.providers.base import ProviderUnavailable

log = get_logger(__name__)
T = TypeVar("T")

RETRYABLE_STATUS = {408, 409, 429, 500, 502, 503, 504, 529}


class RetrySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_attempts: int = Field(default=8, ge=1, description="attempts in all, the first included")
    budget_s: float = Field(default=900.0, gt=0, description="give up after this many seconds of retrying")
    initial_wait_s: float = Field(default=2.0, ge=0)
    max_wait_s: float = Field(default=120.0, ge=0)


def retry_after_seconds(error: BaseException) -> float | None:
    """The server's own wait, from ``retry-after-ms`` or ``retry-after`` (seconds) on the error's response."""
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) * scale)
        except ValueError:
            continue  # an HTTP date: fall back to our own backoff
    return None


def retryable_errors(
    connection_error: type[BaseException], status_error: type[BaseException]
) -> Callable[[BaseException], bool]:
    """An SDK's transient failures: lost connections and timeouts, 408/409/429, every 5xx (529 overloaded too)."""

    def is_retryable(error: BaseException) -> bool:
        if isinstance(error, connection_error):
            return True
        status = status_of(error) if isinstance(error, status_error) else None
        return status is not None and (status in RETRYABLE_STATUS or status >= 500)

    return is_retryable


def status_of(error: BaseException) -> int | None:
    status = getattr(error, "status_code", None)
    return status if isinstance(status, int) else None


def call_with_retries(
    call: Callable[[], T], is_retryable: Callable[[BaseException], bool], settings: RetrySettings, provider: str
) -> T:
    backoff = wait_random_exponential(multiplier=settings.initial_wait_s, max=settings.max_wait_s)

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome is not None else None
        server_wait = retry_after_seconds(error) if error is not None else None
        return min(server_wait, settings.max_wait_s) if server_wait is not None else backoff(state)

    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        log.warning(
            "provider call failed; retrying",
            provider=provider,
            attempt=state.attempt_number,
            status=status_of(error) if error is not None else None,
            error=type(error).__name__,
            wait_s=round(state.upcoming_sleep, 3),
        )

    retrying = Retrying(
        retry=retry_if_exception(is_retryable),
        stop=stop_after_attempt(settings.max_attempts) | stop_after_delay(settings.budget_s),
        wait=wait,
        before_sleep=before_sleep,
        reraise=True,
    )
    try:
        return retrying(call)
    except Exception as error:
        if is_retryable(error):
            raise ProviderUnavailable(
                f"{provider}: still failing after {settings.max_attempts} attempts or {settings.budget_s:g} s "
                f"({type(error).__name__}: {error})"
            ) from error
        raise
