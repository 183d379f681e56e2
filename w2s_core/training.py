"""The reusable training loop (pluggable loss) and batched prediction for a Classifier."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Protocol

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field

from w2s_core.models import Classifier
from w2s_core.prompts import Encoded


class LossFn(Protocol):
    def __call__(self, logits: torch.Tensor, targets: torch.Tensor, step_frac: float) -> torch.Tensor:
        """Per-example losses, shape (batch,). ``logits``: the model's logit of P(label 1); ``targets``: soft
        P(label 1); ``step_frac``: the fraction of training done, in [0, 1)."""
        ...


class TrainSettings(BaseModel):
    """Optimiser settings of one training run (the study: lr 1e-4 warmup 0.1 linear schedule; here scaled down)."""

    model_config = ConfigDict(extra="forbid")
    epochs: float = Field(2.0, gt=0)
    batch_size: int = Field(32, ge=1)
    lr: float = Field(1e-4, gt=0)
    head_lr: float = Field(0.1, gt=0)
    warmup_frac: float = Field(0.1, ge=0, lt=1)
    weight_decay: float = Field(0.0, ge=0)
    max_steps: int | None = Field(None, ge=1)


def xent_loss(logits: torch.Tensor, targets: torch.Tensor, step_frac: float) -> torch.Tensor:
    return torch.nn.functional.binary_cross_entropy_with_logits(logits, targets, reduction="none")


def train_classifier(
    model: Classifier,
    encoded: Encoded,
    targets: np.ndarray,
    settings: TrainSettings,
    seed: int,
    loss_fn: LossFn = xent_loss,
    weights: np.ndarray | None = None,
    on_step: Callable[[int, int, float], None] | None = None,
) -> list[float]:
    """Train in place on the rows of ``encoded`` against soft ``targets`` (P(label 1)); returns the loss curve.

    ``weights`` (optional, per row, >= 0) scale each example's loss; ``step_frac`` given to the loss runs 0 -> 1.
    """
    if len(targets) != len(encoded):
        raise ValueError(f"targets has {len(targets)} rows, the encoded inputs {len(encoded)}")
    if len(encoded) == 0:
        return []
    torch.manual_seed(seed)
    rng = random.Random(seed)
    steps_per_epoch = max(1, -(-len(encoded) // settings.batch_size))
    total = max(1, round(settings.epochs * steps_per_epoch))
    if settings.max_steps is not None:
        total = min(total, settings.max_steps)
    warmup = int(settings.warmup_frac * total)
    optimizer = torch.optim.AdamW(
        [
            {"params": model.body_parameters(), "lr": settings.lr},
            {"params": list(model.head.parameters()), "lr": settings.head_lr},
        ],
        weight_decay=settings.weight_decay,
    )

    def linear_schedule(step: int) -> float:
        if step < warmup:
            return (step + 1) / (warmup + 1)
        return max(0.0, (total - step) / max(1, total - warmup))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, linear_schedule)
    target_t = torch.tensor(np.asarray(targets, dtype=np.float32))
    weight_t = None if weights is None else torch.tensor(np.asarray(weights, dtype=np.float32))
    order: list[int] = []
    losses: list[float] = []
    model.train()
    for step in range(total):
        if len(order) < settings.batch_size:
            fresh = list(range(len(encoded)))
            rng.shuffle(fresh)
            order += fresh
        rows, order = order[: settings.batch_size], order[settings.batch_size :]
        batch = model.collate(encoded, rows)
        logits = model(**batch)
        batch_targets = target_t[rows].to(model.device)
        per_row = loss_fn(logits, batch_targets, step / total)
        if weight_t is None:
            loss = per_row.mean()
        else:
            w = weight_t[rows].to(model.device)
            loss = (per_row * w).sum() / w.sum().clamp_min(1e-8)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(float(loss.detach()))
        if on_step is not None:
            on_step(step + 1, total, losses[-1])
    model.eval()
    return losses


@torch.no_grad()
def predict_logits(model: Classifier, encoded: Encoded, batch_size: int = 128) -> np.ndarray:
    model.eval()
    out: list[np.ndarray] = []
    for start in range(0, len(encoded), batch_size):
        rows = list(range(start, min(start + batch_size, len(encoded))))
        out.append(model(**model.collate(encoded, rows)).float().cpu().numpy())
    return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)


def predict_probs(model: Classifier, encoded: Encoded, batch_size: int = 128) -> np.ndarray:
    """P(label 1) for every kept row of ``encoded``."""
    return 1.0 / (1.0 + np.exp(-predict_logits(model, encoded, batch_size).astype(np.float64)))


def full_length(encoded: Encoded, values: np.ndarray, fill: float = 0.5) -> np.ndarray:
    """Values for every input: kept rows get ``values``, dropped (over-long) rows ``fill``."""
    full = np.full(encoded.n_total, fill, dtype=np.float64)
    full[encoded.kept] = values
    return full
