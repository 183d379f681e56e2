"""Which provider a researcher talks to: a pydantic union on ``type`` (extra="forbid"), a ``--model`` string parser,
``build_provider`` and ``preflight`` (problems a campaign should refuse to start with, such as a missing API key).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from aar import ConfigError
from agents.providers.base import ModelProvider
from agents.providers.retry import RetrySettings

if TYPE_CHECKING:
    from agents.pricing import PriceTable

DEFAULT_CLAUDE_MODEL = "claude-opus-4-6"


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AnthropicConfig(_Config):
    type: Literal["anthropic"] = "anthropic"
    model: str = DEFAULT_CLAUDE_MODEL
    api_key_env: str = "ANTHROPIC_API_KEY"
    base_url: str | None = None
    timeout_s: float = Field(default=600.0, gt=0)
    max_pause_continuations: int = Field(
        default=3, ge=0, description="re-sends of a pause_turn before giving the turn back"
    )
    retry: RetrySettings = Field(default_factory=lambda: RetrySettings())


class OpenAICompatibleConfig(_Config):
    type: Literal["openai_compatible"] = "openai_compatible"
    model: str
    base_url: str
    api_key_env: str | None = Field(
        default=None, description="unset for local servers that take no key (vLLM, Ollama)"
    )
    timeout_s: float = Field(default=600.0, gt=0)
    retry: RetrySettings = Field(default_factory=lambda: RetrySettings())


class ScriptedConfig(_Config):
    type: Literal["scripted"] = "scripted"
    seed: int = 0


class ReplayConfig(_Config):
    type: Literal["replay"] = "replay"
    path: Path = Field(description="a run folder, or one transcript file")
    on_divergence: Literal["report", "stop"] = "report"


ProviderConfig = Annotated[
    AnthropicConfig | OpenAICompatibleConfig | ScriptedConfig | ReplayConfig, Field(discriminator="type")
]
PROVIDER_CONFIG_ADAPTER: TypeAdapter[ProviderConfig] = TypeAdapter(ProviderConfig)

MODEL_FORMS = "'scripted', 'replay:<run or transcript>', 'claude-<name>' or 'openai:<model>@<base_url>'"


def parse_model(spec: str) -> ProviderConfig:
    """``--model`` -> config: ``scripted[:seed]``, ``replay:<path>``, ``claude-...``, ``openai:<model>@<url>``."""
    text = spec.strip()
    if text == "scripted" or text.startswith("scripted:"):
        seed_text = text.partition(":")[2] or "0"
        if not seed_text.lstrip("-").isdigit():
            raise ConfigError(f"--model {spec!r}: the scripted seed must be an integer, got {seed_text!r}")
        return ScriptedConfig(seed=int(seed_text))
    if text.startswith("replay:") and text[len("replay:") :]:
        return ReplayConfig(path=Path(text[len("replay:") :]))
    if text.startswith("claude-"):
        return AnthropicConfig(model=text)
    if text.startswith("openai:"):
        model, at, base_url = text[len("openai:") :].partition("@")
        if model and at and base_url.startswith(("http://", "https://")):
            return OpenAICompatibleConfig(model=model, base_url=base_url)
        raise ConfigError(f"--model {spec!r}: expected 'openai:<model>@<http(s)://base_url>'")
    raise ConfigError(f"--model {spec!r}: expected {MODEL_FORMS}")


def missing_key_message(variable: str) -> str:
    return (
        f"the environment variable {variable} is not set: export it with your API key, "
        "or run offline with --model scripted"
    )


def preflight(config: ProviderConfig) -> list[str]:
    """Problems that would stop every researcher at its first step; a campaign refuses to start on any."""
    problems: list[str] = []
    if isinstance(config, AnthropicConfig) and not os.environ.get(config.api_key_env):
        problems.append(missing_key_message(config.api_key_env))
    if isinstance(config, OpenAICompatibleConfig) and config.api_key_env and not os.environ.get(config.api_key_env):
        problems.append(missing_key_message(config.api_key_env))
    if isinstance(config, ReplayConfig) and not config.path.exists():
        problems.append(f"replay: {config.path} does not exist (give a run folder or a transcript file)")
    return problems


def build_provider(config: ProviderConfig, prices: PriceTable | None = None) -> ModelProvider:
    """One provider instance; the SDK-backed modules are imported only when chosen."""
    from agents.pricing import PriceTable

    table = prices or PriceTable()
    if isinstance(config, AnthropicConfig):
        from agents.providers.anthropic import AnthropicProvider

        return AnthropicProvider(config, table)
    if isinstance(config, OpenAICompatibleConfig):
        from agents.providers.openai_compatible import OpenAICompatibleProvider

        return OpenAICompatibleProvider(config, table)
    if isinstance(config, ScriptedConfig):
        from agents.providers.scripted import ScriptedProvider

        return ScriptedProvider(config)
    from agents.providers.replay import ReplayProvider

    return ReplayProvider(config)
