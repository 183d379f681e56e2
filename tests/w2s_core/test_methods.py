import numpy as np
import pytest
import torch

from w2s_core import Pipeline, builtin_methods, get_builtin
from w2s_core.methods import PredictionError, validate_predictions
from w2s_core.methods.losses import logconf_loss, product_loss


@pytest.mark.parametrize("name", builtin_methods())
@pytest.mark.parametrize("family", ["math", "chat"])
def test_every_builtin_returns_valid_probabilities(name: str, family: str, micro_math: Pipeline, micro_chat: Pipeline) -> None:
    pipeline = micro_math if family == "math" else micro_chat
    ctx = pipeline.context(seed=1)
    probs = validate_predictions(get_builtin(name)(ctx), len(ctx.test_inputs))
    assert probs.shape == (len(ctx.test_inputs),)


def test_builtins_take_hyperparameters_and_reject_unknown_ones(micro_math: Pipeline) -> None:
    ctx = micro_math.context(seed=1)
    probs = get_builtin("logconf")(ctx, aux_weight=0.25, epochs=0.5)
    assert len(probs) == len(ctx.test_inputs)
    with pytest.raises(TypeError, match="unknown hyperparameter"):
        get_builtin("naive")(ctx, no_such_knob=1)


def test_logconf_warmup_is_linear() -> None:
    logits = torch.tensor([3.0, -3.0, 2.0, -2.0])
    targets = torch.tensor([0.0, 1.0, 0.0, 1.0])  # disagree with the student everywhere
    losses = [float(logconf_loss(logits, targets, frac, aux_weight=0.5, warmup_frac=0.2).mean()) for frac in (0, 0.05, 0.1, 0.2, 0.5)]
    # the student's own labels lower the loss in proportion to the ramp, then stay
    drops = [losses[0] - x for x in losses[1:]]
    assert drops[0] == pytest.approx(drops[1] / 2, rel=1e-4)
    assert drops[2] == pytest.approx(drops[3], rel=1e-6) and drops[2] == pytest.approx(2 * drops[1], rel=1e-4)


def test_product_loss_with_zero_student_weight_is_cross_entropy() -> None:
    logits, targets = torch.tensor([0.3, -1.0]), torch.tensor([0.8, 0.1])
    expected = torch.nn.functional.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    assert torch.allclose(product_loss(logits, targets, 0.0, beta=0.0), expected, atol=1e-5)


@pytest.mark.parametrize(
    ("probs", "message"),
    [([0.5, 0.5], "shape"), ([0.5, float("nan"), 0.1], "not finite"), ([0.5, 1.5, 0.1], "outside"), ("abc", "not numbers")],
)
def test_invalid_predictions_are_rejected(probs: object, message: str) -> None:
    with pytest.raises(PredictionError, match=message):
        validate_predictions(probs, 3)
    assert validate_predictions(np.array([0.1, 0.2, 0.3]), 3).dtype == np.float64
