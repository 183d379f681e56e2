"""Docker-specific behaviour: the image runs the real stack, containers are named, revived, removed."""

from __future__ import annotations

import pytest

from tests.tools.sandbox.conftest import SandboxFactory
from tools.sandbox.docker import _device_requests, container_name, docker_client

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
