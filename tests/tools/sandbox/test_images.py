"""The offline image builder: a real build into a throw-away tag, idempotent by the hash of its inputs."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tools.sandbox.images import INPUTS_LABEL, RECIPE_LABEL, build_image, inputs_hash, offline_packages


def test_offline_recipe_lists_the_runtime_and_timeout() -> None:
    packages = offline_packages()
    assert {"libc6", "libstdc++6", "coreutils", "bash"} <= set(packages)
    assert len(packages) == len(set(packages))


def test_inputs_hash_is_stable_and_differs_per_recipe() -> None:
    assert inputs_hash("offline") == inputs_hash("offline")
    assert len({inputs_hash("offline"), inputs_hash("cpu"), inputs_hash("cuda")}) == 3


@pytest.fixture()
def scratch_tag(docker_engine: None) -> Iterator[str]:
    from tools.sandbox.docker import docker_client

    tag = f"aar-sandbox-test:{os.getpid()}"
    yield tag
    docker_client().images.remove(tag, force=True)


@pytest.mark.docker
def test_offline_build_then_nothing_to_do(scratch_tag: str) -> None:
    from tools.sandbox.docker import docker_client

    first = build_image("offline", tag=scratch_tag, force=True)
    again = build_image("offline", tag=scratch_tag)
    assert first.built and not again.built
    labels = docker_client().images.get(scratch_tag).labels
    assert labels[INPUTS_LABEL] == first.inputs_hash == inputs_hash("offline")
    assert labels[RECIPE_LABEL] == "offline" and labels["aar.python"] == "host"
