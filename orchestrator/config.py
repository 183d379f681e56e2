"""The campaign config: one YAML file validated by pydantic (extra="forbid"), plus the bundled presets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from aar import ConfigError, load_yaml_model
from agents.pricing import ModelPrice
from agents.providers.config import ProviderConfig, ScriptedConfig
from agents.seeds import Seed, list_seeds
from tools.experiments.local import LocalExecutorConfig
from tools.sandbox.config import DockerSandboxConfig, SandboxConfig
from tools.scorer.settings import ScorerSettings

PRESETS_DIR = Path(__file__).parent / "presets"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Budget(_Strict):
    """Limits on spending; ``None`` means no limit. Once one is reached, nothing new starts."""

    api_dollars: float | None = Field(default=None, ge=0)
    wall_clock_hours: float | None = Field(default=None, gt=0)
    compute_hours: float | None = Field(default=None, ge=0)
    experiments: int | None = Field(default=None, ge=0)


class Budgets(_Strict):
    campaign: Budget = Field(default_factory=Budget)
    per_researcher: Budget = Field(default_factory=Budget)


class SessionLimits(_Strict):
    max_steps: int = Field(default=40, ge=1, description="Model turns per session")
    max_tokens: int = Field(default=8192, ge=256, description="Output tokens per model turn")
    tool_timeout_s: float = Field(default=600.0, gt=0)


class W2SSettings(_Strict):
    """How tasks are trained: the offline pretrained pair (size) or Hugging Face models (strong/weak ids)."""

    size: Literal["micro", "small"] | None = "small"
    strong_model: str | None = None
    weak_model: str | None = None
    device: Literal["auto", "cpu", "cuda"] = "auto"
    data_dir: Path | None = Field(default=None, description="A folder of tasks in the study's jsonl format")
    baseline_seeds: list[int] = Field(default_factory=lambda: [0, 1])

    @model_validator(mode="after")
    def _models_or_size(self) -> W2SSettings:
        if self.size is None and not (self.strong_model and self.weak_model):
            raise ValueError("give either size (offline models) or both strong_model and weak_model")
        return self


class FinalSettings(_Strict):
    """End of campaign: which methods are re-run on the held-out tasks, and the scorer's verification."""

    top_k: int = Field(default=2, ge=0)
    heldout_seeds: list[int] = Field(default_factory=lambda: [0])
    verify_top: int = Field(default=3, ge=0)


ExecutorConfig = Annotated[LocalExecutorConfig, Field(discriminator="type")]


class CampaignConfig(_Strict):
    name: str = Field(default="campaign", pattern=r"^[A-Za-z0-9_.-]+$")
    researchers: int = Field(default=9, ge=1, le=64)
    seed_directions: list[str] = Field(min_length=1, description="One research direction per researcher (cycled)")
    seeds_dirs: list[Path] = Field(default_factory=list, description="Folders of extra seed directions (*.md)")
    provider: ProviderConfig = Field(default_factory=ScriptedConfig)
    researcher_providers: dict[str, ProviderConfig] = Field(
        default_factory=dict, description="Per-researcher model, keyed by researcher id (r1, r2, ...)"
    )
    tasks: list[str] = Field(min_length=1, description="Research tasks: the first is the default for experiments")
    held_out_tasks: list[str] = Field(default_factory=list)
    seeds: list[int] = Field(default_factory=lambda: [0, 1], min_length=1)
    rounds: int = Field(default=3, ge=1)
    session: SessionLimits = Field(default_factory=SessionLimits)
    budgets: Budgets = Field(default_factory=Budgets)
    prices: dict[str, ModelPrice] = Field(
        default_factory=dict, description="Per-model price overrides (USD per million tokens), merged over the defaults"
    )
    target_pgr: float | None = None
    w2s: W2SSettings = Field(default_factory=W2SSettings)
    sandbox: SandboxConfig = Field(default_factory=DockerSandboxConfig)
    executor: ExecutorConfig = Field(default_factory=LocalExecutorConfig)
    scorer: ScorerSettings = Field(default_factory=ScorerSettings)
    final: FinalSettings = Field(default_factory=FinalSettings)

    @model_validator(mode="after")
    def _consistent(self) -> CampaignConfig:
        overlap = set(self.tasks) & set(self.held_out_tasks)
        if overlap:
            raise ValueError(f"held-out tasks must not be research tasks: {sorted(overlap)}")
        unknown = set(self.researcher_providers) - set(self.researcher_ids())
        if unknown:
            raise ValueError(f"researcher_providers names unknown researchers {sorted(unknown)}")
        known = {seed.name for seed in list_seeds(self.seeds_dirs)}
        missing = [d for d in self.seed_directions if d not in known]
        if missing:
            raise ValueError(f"unknown seed direction {missing[0]!r}; known: {', '.join(sorted(known))}")
        return self

    def seed_of(self, researcher: str) -> Seed:
        by_name = {seed.name: seed for seed in list_seeds(self.seeds_dirs)}
        return by_name[self.direction_of(researcher)]

    def researcher_ids(self) -> list[str]:
        return [f"r{i + 1}" for i in range(self.researchers)]

    def direction_of(self, researcher: str) -> str:
        index = self.researcher_ids().index(researcher)
        return self.seed_directions[index % len(self.seed_directions)]

    def provider_of(self, researcher: str) -> ProviderConfig:
        return self.researcher_providers.get(researcher, self.provider)


def preset_names() -> list[str]:
    return sorted(path.stem for path in PRESETS_DIR.glob("*.yaml"))


def preset_path(name: str) -> Path:
    path = PRESETS_DIR / f"{name}.yaml"
    if not path.is_file():
        raise ConfigError(f"--preset {name!r}: no such preset; choose from {', '.join(preset_names())}")
    return path


def load_campaign_config(path: Path) -> CampaignConfig:
    return load_yaml_model(path, CampaignConfig)
