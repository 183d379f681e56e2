"""Prices per model (USD per million tokens) and the cost of a turn; the orchestrator's budgets use these numbers.

A campaign config may add or override entries (``prices: {model-or-prefix: {input, output, cache_write,
cache_read}}``). A model is priced by its exact name, else by the longest matching prefix, so a dated name such
as ``claude-sonnet-4-5-20250929`` finds ``claude-sonnet-4-5``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from aar import get_logger
from agents.providers.base import AssistantTurn, Block, Usage

log = get_logger(__name__)


class ModelPrice(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    input: float = Field(ge=0, description="USD per million uncached input tokens")
    output: float = Field(ge=0, description="USD per million output tokens")
    cache_write: float = Field(ge=0, description="USD per million tokens written to the prompt cache")
    cache_read: float = Field(ge=0, description="USD per million tokens read from the prompt cache")


def _claude(input_price: float, output_price: float) -> ModelPrice:
    # Anthropic bills a 5-minute cache write at 1.25x the input price and a cache read at 0.1x.
    return ModelPrice(
        input=input_price, output=output_price, cache_write=input_price * 1.25, cache_read=input_price * 0.1
    )


FREE = ModelPrice(input=0, output=0, cache_write=0, cache_read=0)

DEFAULT_PRICES: dict[str, ModelPrice] = {
    "claude-opus-4-6": _claude(5.0, 25.0),
    "claude-opus-4-5": _claude(5.0, 25.0),
    "claude-opus-4-1": _claude(15.0, 75.0),
    "claude-opus-4": _claude(15.0, 75.0),
    "claude-sonnet-4-6": _claude(3.0, 15.0),
    "claude-sonnet-4-5": _claude(3.0, 15.0),
    "claude-sonnet-4": _claude(3.0, 15.0),
    "claude-haiku-4-5": _claude(1.0, 5.0),
    "claude-3-5-haiku": _claude(0.8, 4.0),
    # An unknown Claude model is priced as the dearest family, so a budget errs on the safe side.
    "claude-": _claude(15.0, 75.0),
    "scripted": FREE,
    "replay": FREE,
}


class PriceTable:
    def __init__(self, overrides: dict[str, ModelPrice] | None = None) -> None:
        self._prices = {**DEFAULT_PRICES, **(overrides or {})}
        self._warned: set[str] = set()

    def price(self, model: str) -> ModelPrice:
        if model in self._prices:
            return self._prices[model]
        matches = [key for key in self._prices if model.startswith(key)]
        if matches:
            return self._prices[max(matches, key=len)]
        if model not in self._warned:
            self._warned.add(model)
            log.warning(
                "no price for model; counting it as free", model=model, hint="add it under 'prices' in the config"
            )
        return FREE

    def cost(self, model: str, usage: Usage) -> float:
        price = self.price(model)
        return (
            usage.input * price.input
            + usage.output * price.output
            + usage.cache_write * price.cache_write
            + usage.cache_read * price.cache_read
        ) / 1_000_000

    def turn(self, model: str, content: list[Block], stop_reason: str, usage: Usage) -> AssistantTurn:
        """An assistant turn with its cost filled in."""
        return AssistantTurn(content, stop_reason, usage, model, cost_usd=self.cost(model, usage))
