"""The scorer's tunable settings: rate limit, payload cap and the public-score release rule."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from aar import ConfigError, RunFolder, write_atomic
from aar.config_files import validate_mapping

SETTINGS_FILE = "settings.json"


class ScorerSettings(BaseModel):
    """Written to ``RUN/scorer/settings.json`` by whoever starts the scorer; read by ``aar scorer serve``."""

    model_config = ConfigDict(extra="forbid")

    rate_limit: int = Field(default=120, ge=1, description="Scored submissions per researcher per window")
    rate_window_s: float = Field(default=3600.0, gt=0, description="Length of the rate-limit window (seconds)")
    max_payload_bytes: int = Field(default=2_000_000, ge=1024, description="Largest request body accepted")
    release_precision: float = Field(default=0.01, gt=0, le=0.5, description="Public PGR is released rounded to this")
    release_margin: float = Field(
        default=0.02,
        ge=0,
        description="A public PGR is released only when it beats the researcher's best by this much "
        "(never less than 1.5 times what one flipped prediction can move it)",
    )
    pgr_above_one_tolerance: float = Field(default=0.0, ge=0, description="Flag public PGR above 1 + this")
    jump_min_pgr: float = Field(default=0.3, ge=0, description="A jump over the previous best smaller than this is never flagged")
    jump_sigmas: float = Field(default=4.0, gt=0, description="A jump is flagged beyond this many seed standard deviations")
    jump_min_history: int = Field(default=4, ge=1, description="Earlier submissions on the task needed before judging jumps")
    majority_share: float = Field(default=0.97, gt=0.5, le=1.0, description="Flag when this share of predictions is one class")


def settings_path(run: RunFolder) -> Path:
    return run.scorer_dir / SETTINGS_FILE


def save_settings(run: RunFolder, settings: ScorerSettings) -> None:
    write_atomic(settings_path(run), settings.model_dump_json(indent=2) + "\n", mode=0o600)


def load_settings(run: RunFolder) -> ScorerSettings:
    """The run's settings file, or the defaults when there is none; a bad file is a ConfigError naming it."""
    path = settings_path(run)
    if not path.exists():
        return ScorerSettings()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ConfigError(f"{path}: not readable JSON: {error}") from None
    return validate_mapping(ScorerSettings, data, str(path))
