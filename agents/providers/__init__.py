"""Model providers: one Protocol, one file per backend, chosen by a ``ProviderConfig`` (``type`` field)."""

from agents.providers.base import (
    AssistantTurn,
    ModelProvider,
    ModelRequest,
    ProviderError,
    ProviderUnavailable,
    RequestMeta,
    Usage,
)
from agents.providers.config import (
    AnthropicConfig,
    OpenAICompatibleConfig,
    ProviderConfig,
    ReplayConfig,
    ScriptedConfig,
    build_provider,
    parse_model,
    preflight,
)
from agents.providers.retry import RetrySettings

__all__ = [
    "AnthropicConfig",
    "AssistantTurn",
    "ModelProvider",
    "ModelRequest",
    "OpenAICompatibleConfig",
    "ProviderConfig",
    "ProviderError",
    "ProviderUnavailable",
    "ReplayConfig",
    "RequestMeta",
    "RetrySettings",
    "ScriptedConfig",
    "Usage",
    "build_provider",
    "parse_model",
    "preflight",
]
