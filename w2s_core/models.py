"""Load any causal LM by hub id or local path and wrap it as a two-way classifier read from label-token logits.

The classifier's score is the logit of P(label 1): the difference of the two label tokens' logits at the last
prompt position (the study's readout). Models this project pretrained itself (a ``aar_pretrained.json`` marker in
the folder) also feed the answers' token log-likelihoods into a small linear head, because a linear readout of
the last position alone stays at chance for models that small; for hub models that head starts as the identity on
the label-logit difference and sees no span features.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
from torch import nn
from transformers import AutoModelForCausalLM, AutoTokenizer

from w2s_core.prompts import MAX_SPANS, Encoded, label_token_ids
from w2s_core.runtime import quiet_transformers, select_device

Readout = Literal["auto", "label", "label+span"]
N_FEATURES = 1 + 2 * MAX_SPANS
SPAN_SCALE = 0.2  # keeps log-likelihood sums near unit scale for the head


@dataclass(frozen=True)
class ModelSpec:
    """How to load one model: path or hub id, device, LoRA (CUDA only), readout, chat template."""

    path: str
    device: str = "auto"
    lora_r: int = 0
    readout: Readout = "auto"
    use_chat_template: bool | None = None
    max_length: int = 512


def is_project_model(path: str) -> bool:
    return (Path(path) / "aar_pretrained.json").exists()


def wants_chat_template(spec: ModelSpec, tokenizer) -> bool:  # type: ignore[no-untyped-def]
    """Chat models get their chat template; base models (name ending in -Base, or no template) raw text."""
    if spec.use_chat_template is not None:
        return spec.use_chat_template
    return bool(getattr(tokenizer, "chat_template", None)) and "base" not in Path(spec.path).name.lower()


def load_tokenizer(path: str):  # type: ignore[no-untyped-def]
    tokenizer = AutoTokenizer.from_pretrained(path)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


class Classifier(nn.Module):
    """A causal LM plus a linear head over [label-logit difference, per-answer log-likelihood sum and min]."""

    def __init__(self, lm: nn.Module, label_ids: tuple[int, int], use_spans: bool, pad_id: int) -> None:
        super().__init__()
        self.lm = lm
        self.label_ids = label_ids
        self.use_spans = use_spans
        self.pad_id = pad_id
        self.head = nn.Linear(N_FEATURES, 1)
        with torch.no_grad():
            self.head.weight.zero_()
            self.head.weight[0, 0] = 1.0
            self.head.bias.zero_()

    @property
    def device(self) -> torch.device:
        return self.head.weight.device

    def body_parameters(self) -> list[nn.Parameter]:
        return [p for p in self.lm.parameters() if p.requires_grad]

    def collate(self, encoded: Encoded, rows: list[int]) -> dict[str, torch.Tensor]:
        length = max(len(encoded.input_ids[r]) for r in rows)
        ids = torch.full((len(rows), length), self.pad_id, dtype=torch.long)
        spans = torch.full((len(rows), length), -1, dtype=torch.long)
        mask = torch.zeros((len(rows), length), dtype=torch.long)
        for i, r in enumerate(rows):
            n = len(encoded.input_ids[r])
            ids[i, :n] = torch.tensor(encoded.input_ids[r])
            spans[i, :n] = torch.tensor(encoded.span_ids[r])
            mask[i, :n] = 1
        return {"input_ids": ids.to(self.device), "span_ids": spans.to(self.device), "attention_mask": mask.to(self.device)}

    def features(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, span_ids: torch.Tensor) -> torch.Tensor:
        hidden = self.lm.get_decoder()(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        out_layer = self.lm.get_output_embeddings()
        rows = torch.arange(input_ids.shape[0], device=input_ids.device)
        last = attention_mask.sum(dim=1) - 1
        last_logits = out_layer(hidden[rows, last]).float()
        feats = torch.zeros(input_ids.shape[0], N_FEATURES, device=input_ids.device)
        feats[:, 0] = last_logits[:, self.label_ids[1]] - last_logits[:, self.label_ids[0]]
        if self.use_spans:
            logprobs = torch.log_softmax(out_layer(hidden[:, :-1]).float(), dim=-1)
            token_lp = logprobs.gather(-1, input_ids[:, 1:, None]).squeeze(-1)
            target_span = span_ids[:, 1:]
            for span in range(MAX_SPANS):
                in_span = target_span == span
                feats[:, 1 + 2 * span] = (token_lp * in_span).sum(dim=1) * SPAN_SCALE
                masked = torch.where(in_span, token_lp, torch.zeros_like(token_lp))
                feats[:, 2 + 2 * span] = masked.min(dim=1).values
        return feats

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, span_ids: torch.Tensor) -> torch.Tensor:
        """The logit of P(label 1), shape (batch,)."""
        return self.head(self.features(input_ids, attention_mask, span_ids)).squeeze(-1)


def load_classifier(spec: ModelSpec, label_names: tuple[str, str]) -> tuple[Classifier, object]:
    """(classifier on its device, tokenizer). bf16 (+ LoRA if ``lora_r``) on CUDA, float32 on CPU."""
    quiet_transformers()
    device = select_device(spec.device)
    tokenizer = load_tokenizer(spec.path)
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    lm = AutoModelForCausalLM.from_pretrained(spec.path, dtype=dtype)
    if spec.lora_r > 0 and device.type == "cuda":
        from peft import LoraConfig, get_peft_model

        lora = LoraConfig(r=spec.lora_r, lora_alpha=spec.lora_r, target_modules="all-linear", task_type="CAUSAL_LM")
        lm = get_peft_model(lm, lora)
    readout = spec.readout
    if readout == "auto":
        readout = "label+span" if is_project_model(spec.path) else "label"
    model = Classifier(lm, label_token_ids(tokenizer, label_names), readout == "label+span", tokenizer.pad_token_id)
    model.to(device)
    return model, tokenizer
