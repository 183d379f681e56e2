"""Pretrain the offline strong and weak base models on the bundled unlabeled corpus, cached on disk.

One run of a Qwen2 causal LM built from a config (no download): the weak base is an early checkpoint of the run,
the strong base its end. Both folders are written with ``save_pretrained`` together with a locally trained
byte-level BPE tokenizer, so they load through the same code path as hub models.
"""

from __future__ import annotations

import fcntl
import json
import math
import random
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

from aar import get_logger
from w2s_core.bundled import pretraining_documents, tokenizer_training_text
from w2s_core.runtime import apply_thread_limit, cache_root, config_hash, quiet_transformers

log = get_logger(__name__)
Size = Literal["micro", "small"]
MARKER = "aar_pretrained.json"


@dataclass(frozen=True)
class PretrainSpec:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    steps: int
    weak_step: int
    batch: int
    seq_len: int = 64
    lr: float = 2e-3
    warmup: int = 50
    seed: int = 0
    corpus_first_examples: int | None = None  # micro: only the facts of the first N examples per split


SPECS: dict[str, PretrainSpec] = {
    "micro": PretrainSpec(hidden=32, layers=1, heads=2, intermediate=64, steps=12, weak_step=4, batch=8, warmup=2,
                          corpus_first_examples=64),
    "small": PretrainSpec(hidden=64, layers=2, heads=4, intermediate=256, steps=2000, weak_step=600, batch=32, lr=3e-3),
}


@dataclass(frozen=True)
class ModelPair:
    strong: Path
    weak: Path


def train_tokenizer(vocab_size: int = 400) -> PreTrainedTokenizerFast:
    """Byte-level BPE with single-digit tokens, trained on the corpus in about a second."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False)]
    )
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=["<|pad|>", "<|eos|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(tokenizer_training_text(), trainer=trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, pad_token="<|pad|>", eos_token="<|eos|>")


def _batches(token_ids: list[int], spec: PretrainSpec, rng: random.Random) -> torch.Tensor:
    n_seq = len(token_ids) // spec.seq_len
    data = torch.tensor(token_ids[: n_seq * spec.seq_len]).view(n_seq, spec.seq_len)
    rows = [rng.randrange(n_seq) for _ in range(spec.batch)]
    return data[rows]


def _save(model: Qwen2ForCausalLM, tokenizer: PreTrainedTokenizerFast, folder: Path, meta: dict[str, object]) -> None:
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    (folder / MARKER).write_text(json.dumps(meta, indent=2))


def pretrain_models(
    size: Size = "small",
    cache_dir: Path | None = None,
    on_step: Callable[[int, int], None] | None = None,
) -> ModelPair:
    """Build (or reuse from the cache) the strong and weak base models for ``size``."""
    if size not in SPECS:
        raise ValueError(f"unknown size '{size}' (expected one of {list(SPECS)})")
    spec = SPECS[size]
    root = (cache_dir or cache_root()) / "models" / f"{size}-{config_hash(asdict(spec), 'pretrain-v1')}"
    pair = ModelPair(strong=root / "strong", weak=root / "weak")
    if _complete(pair):
        return pair
    root.parent.mkdir(parents=True, exist_ok=True)
    with open(root.with_name(root.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second process waits for the first one's models instead of racing it
        if not _complete(pair):
            _pretrain(spec, size, root, on_step)
    return pair


def _complete(pair: ModelPair) -> bool:
    return (pair.strong / MARKER).exists() and (pair.weak / MARKER).exists()


def _pretrain(spec: PretrainSpec, size: str, root: Path, on_step: Callable[[int, int], None] | None) -> None:
    apply_thread_limit()
    quiet_transformers()
    started = time.perf_counter()
    torch.manual_seed(spec.seed)
    rng = random.Random(spec.seed)
    tokenizer = train_tokenizer()
    docs = pretraining_documents(spec.seed, spec.corpus_first_examples)
    token_ids = tokenizer("".join(docs), add_special_tokens=False)["input_ids"]
    config = Qwen2Config(
        vocab_size=len(tokenizer), hidden_size=spec.hidden, num_hidden_layers=spec.layers,
        num_attention_heads=spec.heads, num_key_value_heads=spec.heads, intermediate_size=spec.intermediate,
        max_position_embeddings=256, tie_word_embeddings=True,
        pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id, bos_token_id=None,
    )
    model = Qwen2ForCausalLM(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=spec.lr, weight_decay=0.01)

    def schedule(step: int) -> float:
        if step < spec.warmup:
            return (step + 1) / spec.warmup
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * (step - spec.warmup) / max(1, spec.steps - spec.warmup)))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    tmp = Path(tempfile.mkdtemp(prefix=root.name + ".partial-", dir=root.parent))
    model.train()
    meta = {"size": size, "spec": asdict(spec), "params": sum(p.numel() for p in model.parameters())}
    for step in range(1, spec.steps + 1):
        batch = _batches(token_ids, spec, rng)
        loss = model(input_ids=batch, labels=batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        if step == spec.weak_step:
            _save(model, tokenizer, tmp / "weak", {**meta, "role": "weak", "step": step, "loss": loss.item()})
        if on_step is not None:
            on_step(step, spec.steps)
    _save(model, tokenizer, tmp / "strong", {**meta, "role": "strong", "step": spec.steps, "loss": loss.item()})
    shutil.rmtree(root, ignore_errors=True)
    tmp.rename(root)
    log.info("pretrained", size=size, seconds=round(time.perf_counter() - started, 1), loss=loss.item(), path=str(root))
