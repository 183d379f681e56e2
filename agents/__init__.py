"""Researcher agents: model providers, the researcher loop, transcripts, seed prompts, costs."""

from agents.pricing import ModelPrice, PriceTable
from agents.providers import (
    AssistantTurn,
    ModelProvider,
    ModelRequest,
    ProviderConfig,
    ProviderError,
    ProviderUnavailable,
    Usage,
    build_provider,
    parse_model,
    preflight,
)
from agents.researcher import Researcher, SessionLimits, SessionState, step_id
from agents.seeds import Seed, assign_seeds, list_seeds

__all__ = [
    "AssistantTurn",
    "ModelPrice",
    "ModelProvider",
    "ModelRequest",
    "PriceTable",
    "ProviderConfig",
    "ProviderError",
    "ProviderUnavailable",
    "Researcher",
    "Seed",
    "SessionLimits",
    "SessionState",
    "Usage",
    "assign_seeds",
    "build_provider",
    "list_seeds",
    "parse_model",
    "preflight",
    "step_id",
]
