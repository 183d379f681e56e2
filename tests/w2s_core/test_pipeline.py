from pathlib import Path

import numpy as np

from w2s_core import Pipeline, PipelineConfig, TrainSettings


def test_baselines_give_probabilities_per_seed(micro_math: Pipeline) -> None:
    base = micro_math.baselines([1, 2])
    n_test = len(micro_math.examples("test"))
    assert set(base.weak_test_probs) == {1, 2}
    for probs in [*base.weak_test_probs.values(), *base.ceiling_test_probs.values()]:
        assert probs.shape == (n_test,) and np.all((probs >= 0) & (probs <= 1))
    assert base.weak_acc == np.mean(list(base.weak_accs.values()))


def test_weak_stage_labels_every_unlabeled_row(micro_math: Pipeline) -> None:
    weak = micro_math.weak(1)
    assert weak.train_probs is not None and len(weak.train_probs) == len(micro_math.examples("train_unlabel"))


def _stage_files(root: Path) -> set[Path]:
    return set(root.rglob("*.npz"))


def test_stages_are_cached_and_reused(micro_math: Pipeline) -> None:
    first = micro_math.ceiling(3)
    files = _stage_files(micro_math.cache_dir)
    again = micro_math.ceiling(3)
    assert _stage_files(micro_math.cache_dir) == files
    assert np.array_equal(first.test_probs, again.test_probs) and again.seconds == first.seconds


def test_cache_key_changes_with_any_setting_and_the_seed(micro_math: Pipeline) -> None:
    key = micro_math.stage_key("weak", 1)
    assert micro_math.stage_key("weak", 1) == key
    assert micro_math.stage_key("weak", 2) != key
    assert micro_math.stage_key("ceiling", 1) != key
    changed = Pipeline(PipelineConfig(task="tiny_math", size="micro", weak_train=TrainSettings(epochs=1.0, lr=5e-4)))
    assert changed.stage_key("weak", 1) != key
    other_task = Pipeline(PipelineConfig(task="tiny_chat", size="micro"))
    assert other_task.stage_key("weak", 1) != key


def test_transfer_key_depends_on_method_file_content(micro_math: Pipeline, tmp_path: Path) -> None:
    method = tmp_path / "m.py"
    method.write_text("def run(ctx):\n    return [0.5] * len(ctx.test_inputs)\n")
    first = micro_math.transfer(str(method), 1)
    assert first.acc > 0
    method.write_text("def run(ctx):\n    return [0.9] * len(ctx.test_inputs)\n")
    second = micro_math.transfer(str(method), 1)
    assert np.all(second.test_probs == 0.9)


def test_micro_defaults_shrink_splits_unless_overridden() -> None:
    cfg = PipelineConfig(task="tiny_math", size="micro")
    assert cfg.n_test == 48 and cfg.strong_train.epochs == 1.0
    custom = PipelineConfig(task="tiny_math", size="micro", n_test=10, strong_train=TrainSettings(epochs=2.0))
    assert custom.n_test == 10 and custom.strong_train.epochs == 2.0
