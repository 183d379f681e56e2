"""Training throughput of w2s_core's loop against the transformers ``Trainer``: same model, data and batch size.

    .venv/bin/python bench/w2s_train_throughput.py [--size small|micro] [--steps 40] [--batch 32] [--threads N]

Each side runs in its own child process (so peak memory is its own); prints real (non-padding) training tokens/s,
the ratio ours / Trainer, and each side's peak resident memory.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from typing import Any


def _setup(size: str, threads: int) -> tuple[Any, Any, Any]:
    import numpy as np
    import torch

    from w2s_core import get_task, pretrain_models
    from w2s_core.models import ModelSpec, load_classifier
    from w2s_core.prompts import encode_inputs

    torch.set_num_threads(threads)
    task = get_task("tiny_math")
    pair = pretrain_models(size)  # type: ignore[arg-type]
    model, tokenizer = load_classifier(ModelSpec(str(pair.strong), device="cpu"), task.label_names)
    encoded = encode_inputs(tokenizer, task.family, [e.inputs for e in task.split("train_unlabel")], 512)
    targets = task.labels("train_unlabel")[encoded.kept].astype(np.float64)
    return model, encoded, targets


def _ours(size: str, steps: int, batch: int, threads: int, queue: Any) -> None:
    from w2s_core.training import TrainSettings, train_classifier

    model, encoded, targets = _setup(size, threads)
    settings = TrainSettings(epochs=1000.0, max_steps=steps, batch_size=batch, warmup_frac=0.0)
    started = time.perf_counter()
    train_classifier(model, encoded, targets, settings, seed=0)
    seconds = time.perf_counter() - started
    tokens = _tokens_seen(encoded, steps, batch)
    queue.put(("ours", tokens / seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def _tokens_seen(encoded: Any, steps: int, batch: int) -> int:
    mean_len = sum(len(ids) for ids in encoded.input_ids) / len(encoded)
    return int(mean_len * steps * batch)


def _trainer(size: str, steps: int, batch: int, threads: int, queue: Any) -> None:
    import torch
    from torch.nn.functional import binary_cross_entropy_with_logits
    from transformers import Trainer, TrainingArguments

    model, encoded, targets = _setup(size, threads)

    class WithLoss(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, input_ids, attention_mask, span_ids, labels):  # type: ignore[no-untyped-def]
            logits = self.inner(input_ids=input_ids, attention_mask=attention_mask, span_ids=span_ids)
            return {"loss": binary_cross_entropy_with_logits(logits, labels), "logits": logits}

    rows = [{"row": i} for i in range(len(encoded))]

    def collate(items: list[dict[str, int]]) -> dict[str, torch.Tensor]:
        index = [item["row"] for item in items]
        batch_tensors = model.collate(encoded, index)
        return {**{k: v.cpu() for k, v in batch_tensors.items()}, "labels": torch.tensor(targets[index], dtype=torch.float32)}

    with tempfile.TemporaryDirectory() as out:
        args = TrainingArguments(
            output_dir=out, per_device_train_batch_size=batch, max_steps=steps, learning_rate=1e-3, report_to=[],
            logging_strategy="no", save_strategy="no", use_cpu=True, dataloader_num_workers=0,
            remove_unused_columns=False, disable_tqdm=True, lr_scheduler_type="linear", seed=0,
        )
        trainer = Trainer(model=WithLoss(), args=args, train_dataset=rows, data_collator=collate)
        started = time.perf_counter()
        trainer.train()
        seconds = time.perf_counter() - started
    queue.put(("trainer", _tokens_seen(encoded, steps, batch) / seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="small", choices=["small", "micro"])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    from w2s_core import pretrain_models

    pretrain_models(args.size)  # build once, outside the timed children
    ctx = mp.get_context("spawn")
    results: dict[str, tuple[float, float]] = {}
    for name, target in (("ours", _ours), ("trainer", _trainer)):
        queue = ctx.Queue()
        child = ctx.Process(target=target, args=(args.size, args.steps, args.batch, args.threads, queue))
        child.start()
        child.join()
        if child.exitcode != 0:
            sys.exit(f"{name} failed with exit code {child.exitcode}")
        _, tokens_per_s, peak_mb = queue.get()
        results[name] = (tokens_per_s, peak_mb)
    ours, trainer = results["ours"], results["trainer"]
    sys.stdout.write(
        f"w2s train throughput (size={args.size}, batch={args.batch}, steps={args.steps}, threads={args.threads})\n"
        f"  ours:    {ours[0]:9.0f} tokens/s   peak RSS {ours[1]:7.0f} MiB\n"
        f"  Trainer: {trainer[0]:9.0f} tokens/s   peak RSS {trainer[1]:7.0f} MiB\n"
        f"  ratio ours/Trainer: {ours[0] / trainer[0]:.2f}x\n"
    )


if __name__ == "__main__":
    main()
