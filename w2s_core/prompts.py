"""Prompt templates (the study's) and tokenization into fixed inputs for the classifier.

``Question: ..\\nAnswer: ..\\nLabel:`` (math, code) and ``Question: ..\\nAnswer A: ..\\nAnswer B: ..\\nLabel:`` (chat);
the chat template of a chat model wraps the prompt. Examples longer than the context limit are dropped and counted,
never truncated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

# Each template is a list of (text, span index or None); a span is an answer whose likelihood can be a feature.
MAX_SPANS = 2


def render_segments(family: str, inputs: Mapping[str, str], corpus_layout: bool = False) -> list[tuple[str, int | None]]:
    """The study's template; ``corpus_layout`` (models this project pretrained on single-answer documents) shows
    each chat answer after its own copy of the question, so that each answer's likelihood is read in context."""
    if family == "chat" and corpus_layout:
        return [
            (f"Question: {inputs['prompt']}\nAnswer: ", None),
            (inputs["first"], 0),
            (f"\nQuestion: {inputs['prompt']}\nAnswer: ", None),
            (inputs["second"], 1),
            ("\nLabel:", None),
        ]
    if family == "chat":
        return [
            (f"Question: {inputs['prompt']}\nAnswer A: ", None),
            (inputs["first"], 0),
            ("\nAnswer B: ", None),
            (inputs["second"], 1),
            ("\nLabel:", None),
        ]
    return [(f"Question: {inputs['question']}\nAnswer: ", None), (inputs["answer"], 0), ("\nLabel:", None)]


def render_text(family: str, inputs: Mapping[str, str]) -> str:
    return "".join(text for text, _ in render_segments(family, inputs))


@dataclass
class Encoded:
    """Token ids of the kept examples; ``kept`` maps them back to input positions; ``span_ids`` marks answers."""

    input_ids: list[list[int]]
    span_ids: list[list[int]]  # per token: -1 outside answers, else the span index
    kept: np.ndarray
    n_total: int

    @property
    def n_dropped(self) -> int:
        return self.n_total - len(self.kept)

    def __len__(self) -> int:
        return len(self.input_ids)

    def subset(self, rows: Sequence[int] | np.ndarray) -> Encoded:
        rows = [int(r) for r in rows]
        return Encoded(
            input_ids=[self.input_ids[r] for r in rows],
            span_ids=[self.span_ids[r] for r in rows],
            kept=self.kept[rows],
            n_total=len(rows),
        )


def label_token_ids(tokenizer, label_names: Sequence[str]) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """The first token of `` <label>`` for each label; they must differ."""
    ids = [tokenizer.encode(f" {name}", add_special_tokens=False)[0] for name in label_names]
    if ids[0] == ids[1]:
        raise ValueError(f"label names {list(label_names)} share their first token; cannot classify from logits")
    return ids[0], ids[1]


def encode_inputs(
    tokenizer,  # type: ignore[no-untyped-def]
    family: str,
    inputs: Sequence[Mapping[str, str]],
    max_length: int,
    use_chat_template: bool = False,
    corpus_layout: bool = False,
) -> Encoded:
    """Tokenize every input; spans are marked only without a chat template (segment-wise tokenization)."""
    ids_list: list[list[int]] = []
    spans_list: list[list[int]] = []
    kept: list[int] = []
    for index, row in enumerate(inputs):
        if use_chat_template:
            text = tokenizer.apply_chat_template(
                [{"role": "user", "content": render_text(family, row).removesuffix("\nLabel:")}],
                tokenize=False,
                add_generation_prompt=True,
            )
            ids = tokenizer.encode(text + "Label:", add_special_tokens=False)
            spans = [-1] * len(ids)
        else:
            ids, spans = [], []
            for text, span in render_segments(family, row, corpus_layout):
                piece = tokenizer.encode(text, add_special_tokens=False)
                ids += piece
                spans += [-1 if span is None else span] * len(piece)
        if len(ids) > max_length:
            continue
        ids_list.append(ids)
        spans_list.append(spans)
        kept.append(index)
    return Encoded(ids_list, spans_list, np.array(kept, dtype=np.int64), len(inputs))
