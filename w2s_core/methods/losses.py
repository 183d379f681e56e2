"""Losses for training on weak labels. Each returns per-example losses, shape (batch,).

Signature ``loss(logits, targets, step_frac)``: ``logits`` are the model's logits of P(label 1), ``targets`` the
(soft) weak P(label 1), ``step_frac`` the fraction of training done. Extra hyperparameters are bound with
``functools.partial``.
"""

from __future__ import annotations

import torch
from torch.nn.functional import binary_cross_entropy_with_logits

from w2s_core.training import xent_loss


def product_loss(
    logits: torch.Tensor, targets: torch.Tensor, step_frac: float, alpha: float = 1.0, beta: float = 1.0
) -> torch.Tensor:
    """Cross-entropy against weak^alpha * student^beta, renormalised over the two classes."""
    student = torch.sigmoid(logits.detach().float())
    weak = targets.clamp(1e-6, 1 - 1e-6)
    one = weak**alpha * student.clamp(1e-6, 1 - 1e-6) ** beta
    zero = (1 - weak) ** alpha * (1 - student).clamp(1e-6, 1 - 1e-6) ** beta
    return binary_cross_entropy_with_logits(logits, one / (one + zero), reduction="none")


def logconf_loss(
    logits: torch.Tensor, targets: torch.Tensor, step_frac: float, aux_weight: float = 0.5, warmup_frac: float = 0.1
) -> torch.Tensor:
    """Auxiliary confidence loss: mix the weak labels with the student's own hardened predictions.

    The mixing weight ramps LINEARLY from 0 to ``aux_weight`` over the first ``warmup_frac`` of training (the
    original code jumped to full weight). The hardening threshold is the quantile of the student's batch
    probabilities that gives the same share of label 1 as the weak labels.
    """
    ramp = 1.0 if warmup_frac <= 0 else min(1.0, step_frac / warmup_frac)
    coef = aux_weight * ramp
    student = torch.sigmoid(logits.detach().float())
    share_one = float(targets.mean())
    threshold = torch.quantile(student, min(1.0, max(0.0, 1.0 - share_one)))
    hardened = (student > threshold).float()
    mixed = targets * (1 - coef) + hardened * coef
    return binary_cross_entropy_with_logits(logits, mixed, reduction="none")


LOSSES = {"xent": xent_loss, "product": product_loss, "logconf": logconf_loss}
