import json
from pathlib import Path

import pytest

from aar import ConfigError
from w2s_core import get_task, list_tasks, load_task_folder, register_task, strip_labels
from w2s_core.bundled import tiny_chat, tiny_math


def test_bundled_tasks_are_registered_and_deterministic() -> None:
    assert {"tiny_math", "tiny_chat"} <= set(list_tasks())
    math_task = get_task("tiny_math")
    assert math_task.family == "math" and math_task.label_names == ("False", "True")
    assert get_task("tiny_chat").label_names == ("A", "B")
    assert tiny_math().fingerprint() == tiny_math().fingerprint()
    assert tiny_math(seed=1).fingerprint() != tiny_math().fingerprint()
    labels = math_task.labels("test")
    assert 0.4 < labels.mean() < 0.6


def test_chat_examples_hold_exactly_one_right_answer() -> None:
    for example in tiny_chat().split("train_label")[:200]:
        a, b = map(int, example.inputs["prompt"].split("-"))
        answers = [int(example.inputs["first"]), int(example.inputs["second"])]
        assert answers[example.label] == a - b and answers[1 - example.label] != a - b


def test_strip_labels_then_load_round_trip(tmp_path: Path) -> None:
    task = get_task("tiny_chat")
    folder = strip_labels(task, tmp_path / "public")
    loaded = load_task_folder(folder)
    assert loaded.family == "chat"
    assert loaded.labels("train_label").tolist() == task.labels("train_label").tolist()
    for split in ("train_unlabel", "test"):
        assert "label" not in (folder / f"{split}.jsonl").read_text()
        with pytest.raises(ConfigError, match="no ground truth"):
            loaded.labels(split)


def _write_study_folder(folder: Path, bad_line: str | None = None) -> Path:
    folder.mkdir()
    rows = [{"question": "1+1", "answer": "2", "label": True}, {"question": "1+2", "answer": "4", "label": "False"}]
    for split in ("train_label", "train_unlabel", "test"):
        lines = [json.dumps(r) for r in rows]
        if bad_line is not None and split == "test":
            lines.append(bad_line)
        (folder / f"{split}.jsonl").write_text("\n".join(lines) + "\n")
    return folder


def test_study_format_folder_registers_by_name(tmp_path: Path) -> None:
    register_task("study_math", _write_study_folder(tmp_path / "math"))
    task = get_task("study_math")
    assert task.family == "math" and task.labels("test").tolist() == [1, 0]


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"question": "1+1", "label": "True"}), "field 'answer'"),
        (json.dumps({"question": "1+1", "answer": "2", "label": "maybe"}), "field 'label'"),
    ],
)
def test_malformed_row_names_file_and_line(tmp_path: Path, bad_line: str, message: str) -> None:
    folder = _write_study_folder(tmp_path / "bad", bad_line)
    with pytest.raises(ConfigError, match=rf"test\.jsonl:3: .*{message}"):
        load_task_folder(folder)


def test_unknown_task_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="unknown task 'nope'"):
        get_task("nope")
