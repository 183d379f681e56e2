from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM

from w2s_core import ModelPair, select_device
from w2s_core.models import ModelSpec, load_classifier
from w2s_core.prompts import encode_inputs
from w2s_core.training import TrainSettings, predict_probs, train_classifier


@pytest.fixture(scope="module")
def hub_style_model(micro_models: ModelPair, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Qwen2 model saved with save_pretrained and no project marker: loaded exactly like a hub download."""
    folder = tmp_path_factory.mktemp("hub") / "tiny-qwen2"
    tokenizer = AutoTokenizer.from_pretrained(micro_models.strong)
    config = Qwen2Config(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                         num_key_value_heads=2, intermediate_size=64, max_position_embeddings=64)
    torch.manual_seed(0)
    Qwen2ForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_hub_path_loads_in_float32_on_cpu_with_label_readout(hub_style_model: Path) -> None:
    model, tokenizer = load_classifier(ModelSpec(str(hub_style_model), device="cpu"), ("False", "True"))
    assert model.use_spans is False
    assert next(model.lm.parameters()).dtype == torch.float32
    encoded = encode_inputs(tokenizer, "math", [{"question": "1+2", "answer": "3"}], max_length=64)
    batch = model.collate(encoded, [0])
    logits = model.lm(input_ids=batch["input_ids"]).logits[0, -1]
    expected = logits[model.label_ids[1]] - logits[model.label_ids[0]]
    assert model(**batch)[0].item() == pytest.approx(expected.item(), abs=1e-4)


def test_project_models_use_answer_likelihood_features(micro_models: ModelPair) -> None:
    model, _ = load_classifier(ModelSpec(str(micro_models.strong), device="cpu"), ("A", "B"))
    assert model.use_spans is True


def test_overlong_examples_are_dropped_and_counted(hub_style_model: Path) -> None:
    model, tokenizer = load_classifier(ModelSpec(str(hub_style_model), device="cpu"), ("False", "True"))
    rows = [{"question": "1+2", "answer": "3"}, {"question": "1+" * 40 + "2", "answer": "3"}]
    encoded = encode_inputs(tokenizer, "math", rows, max_length=24)
    assert encoded.n_dropped == 1 and encoded.kept.tolist() == [0]
    losses = train_classifier(model, encoded, np.array([1.0]), TrainSettings(epochs=2, batch_size=1), seed=0)
    assert len(losses) == 2 and predict_probs(model, encoded).shape == (1,)


def test_device_auto_selection_and_override() -> None:
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert select_device("auto").type == expected
    assert select_device("cpu").type == "cpu"
