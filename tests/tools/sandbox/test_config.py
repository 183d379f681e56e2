"""Backend configs: discriminated on ``type``, unknown fields refused with a message naming them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from aar.config_files import ConfigError, validate_mapping
from tools.sandbox import BwrapSandboxConfig, DockerSandboxConfig, sandbox_config_adapter


def test_type_picks_the_backend() -> None:
    assert isinstance(sandbox_config_adapter.validate_python({"type": "docker"}), DockerSandboxConfig)
    bwrap = sandbox_config_adapter.validate_python({"type": "bwrap", "memory_mb": 512})
    assert isinstance(bwrap, BwrapSandboxConfig) and bwrap.memory_mb == 512


def test_unknown_field_and_unknown_type_are_refused() -> None:
    with pytest.raises(ValidationError, match="memory_gb"):
        sandbox_config_adapter.validate_python({"type": "docker", "memory_gb": 4})
    with pytest.raises(ValidationError, match="local"):
        sandbox_config_adapter.validate_python({"type": "local"})


def test_bad_limit_is_named_in_the_config_error() -> None:
    with pytest.raises(ConfigError, match="pids_limit"):
        validate_mapping(DockerSandboxConfig, {"pids_limit": 0}, "campaign.yaml")


def test_gpus_accept_all_or_device_ids() -> None:
    assert DockerSandboxConfig(gpus="all").gpus == "all"
    assert DockerSandboxConfig(gpus=["0", "1"]).gpus == ["0", "1"]
    with pytest.raises(ValidationError):
        DockerSandboxConfig(gpus="some")


def test_bwrap_gpu_binds_pick_the_requested_devices(tmp_path) -> None:
    from tools.sandbox.bwrap import gpu_args

    for name in ("nvidia0", "nvidia1", "nvidiactl", "nvidia-uvm"):
        (tmp_path / name).touch()
    assert gpu_args(None, tmp_path) == []
    chosen = gpu_args(["1"], tmp_path)
    assert ["--dev-bind", str(tmp_path / "nvidia1"), "/dev/nvidia1"] == chosen[:3]
    assert "/dev/nvidia0" not in chosen and "/dev/nvidiactl" in chosen and "/dev/nvidia-uvm" in chosen
    assert "/dev/nvidia0" in gpu_args("all", tmp_path)
