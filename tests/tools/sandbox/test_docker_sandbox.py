"""Docker-specific behaviour: the image runs the real stack, containers are named, revived, removed."""

from __future__ import annotations

import os
import sys

import pytest

from tests.tools.sandbox.conftest import TEST_LABEL, SandboxFactory
from tools.sandbox import DEFAULT_IMAGE, DockerSandboxConfig, SandboxMounts
from tools.sandbox.docker import DockerSandbox, _device_requests, container_name, docker_client
from tools.sandbox.pyenv import SOURCE_ROOT_INSIDE

pytestmark = pytest.mark.docker


def test_the_core_and_its_libraries_import_inside(make_sandbox: SandboxFactory) -> None:
    box = make_sandbox("docker", memory_mb=2048)
    code = "import numpy, torch, transformers, w2s_core; print('stack', torch.tensor([1.0, 2.0]).sum().item())"
    result = box.exec(f'python -c "{code}"', timeout_s=180)
    assert result.exit_code == 0 and "stack 3.0" in result.output, result.output


def test_container_removed_from_outside_is_started_again(make_sandbox: SandboxFactory) -> None:
    box = make_sandbox("docker")
    assert box.exec("echo kept > /workspace/a", timeout_s=20).exit_code == 0
    box.container.remove(force=True)  # type: ignore[attr-defined]
    result = box.exec("cat /workspace/a", timeout_s=20)
    assert result.exit_code == 0 and result.output == "kept\n"


def test_close_removes_the_container(make_sandbox: SandboxFactory) -> None:
    box = make_sandbox("docker", name="closing")
    cname = container_name(box.name, box.mounts.workspace)
    assert docker_client().containers.get(cname).status == "running"
    box.close()
    assert not docker_client().containers.list(all=True, filters={"name": cname})


def test_gpu_requests() -> None:
    assert _device_requests(None) == []
    assert _device_requests("all")[0]["Count"] == -1
    assert _device_requests(["1"])[0]["DeviceIDs"] == ["1"]


def test_same_name_over_another_workspace_is_another_container(make_sandbox: SandboxFactory, tmp_path) -> None:
    first = make_sandbox("docker", name="twin")
    assert container_name("twin", first.mounts.workspace) != container_name("twin", tmp_path)
    assert container_name("twin", first.mounts.workspace) == container_name("twin", first.mounts.workspace)


@pytest.fixture()
def image_with_own_python(docker_engine: None, tmp_path) -> str:
    """A stand-in for the Dockerfile images (which need a registry): labelled as bringing its own Python."""
    tag = f"aar-sandbox-test-own-python:{os.getpid()}"
    (tmp_path / "Dockerfile").write_text(f"FROM {DEFAULT_IMAGE}\nLABEL aar.python=image\n")
    client = docker_client()
    client.images.build(path=str(tmp_path), tag=tag, rm=True, pull=False)
    yield tag
    client.images.remove(tag, force=True)


def test_image_with_its_own_python_gets_only_the_sources(image_with_own_python: str, tmp_path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    config = DockerSandboxConfig(image=image_with_own_python, labels={TEST_LABEL: "1"})
    with DockerSandbox(config, SandboxMounts(workspace=workspace), f"own-python-{os.getpid()}") as box:
        result = box.exec(f"ls {SOURCE_ROOT_INSIDE}; ls {sys.base_prefix} || echo no-host-python", timeout_s=20)
    assert "w2s_core" in result.output and "no-host-python" in result.output
