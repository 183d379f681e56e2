from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

from aar import ConfigError, load_yaml_model


class Budgets(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dollars: float = 10.0


class Example(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    researchers: int = 9
    budgets: Budgets = Budgets()


def test_valid_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("name: demo\nresearchers: 3\nbudgets:\n  dollars: 2.5\n")
    loaded = load_yaml_model(path, Example)
    assert loaded.researchers == 3 and loaded.budgets.dollars == 2.5


def test_wrong_field_type_is_one_line_naming_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("name: demo\nbudgets:\n  dollars: lots\n")
    with pytest.raises(ConfigError) as caught:
        load_yaml_model(path, Example)
    message = str(caught.value)
    assert "\n" not in message
    assert str(path) in message and "budgets.dollars" in message and "'lots'" in message


def test_unknown_field_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("name: demo\nresearcherz: 3\n")
    with pytest.raises(ConfigError, match="researcherz"):
        load_yaml_model(path, Example)


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("name: demo\nbudgets: [unclosed\n")
    with pytest.raises(ConfigError, match=r"not valid YAML at line \d+"):
        load_yaml_model(path, Example)


def test_top_level_list_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_yaml_model(path, Example)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_yaml_model(tmp_path / "absent.yaml", Example)
