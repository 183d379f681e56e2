"""Fixtures for w2s_core tests: micro models and pipelines (seconds each, cached per test session)."""

from __future__ import annotations

import pytest

from w2s_core import ModelPair, Pipeline, PipelineConfig, pretrain_models


@pytest.fixture(scope="session")
def micro_models() -> ModelPair:
    return pretrain_models(size="micro")


@pytest.fixture(scope="session")
def micro_math(micro_models: ModelPair) -> Pipeline:
    return Pipeline(PipelineConfig(task="tiny_math", size="micro"))


@pytest.fixture(scope="session")
def micro_chat(micro_models: ModelPair) -> Pipeline:
    return Pipeline(PipelineConfig(task="tiny_chat", size="micro"))
