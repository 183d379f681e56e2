"""Bundled offline tasks and the unlabeled pretraining corpus they rest on, generated from a seed.

Both families test two-digit arithmetic that the strong model learns from an unlabeled corpus of correct facts.
Wrong answers are off either in the ones digit or in the tens digit. The weak teacher is an early checkpoint of
the same pretraining run: it has learned tens digits but not yet ones digits, so its errors are systematic (it
accepts most ones-digit mistakes), not random noise.

- ``tiny_math`` (family math): ``question "a+b"``, ``answer "c"``: is the sum right? (True/False)
- ``tiny_chat`` (family chat): ``prompt "a-b"``, two candidate answers: which one is right? (A/B)
"""

from __future__ import annotations

import random

from w2s_core.tasks import Example, Task

SPLIT_SIZES: dict[str, int] = {"train_label": 600, "train_unlabel": 2400, "test": 1200}
ONES_SHIFTS = (-3, -2, -1, 1, 2, 3)
TENS_SHIFTS = (-20, -10, 10, 20)


def _wrong_answer(rng: random.Random, right: int) -> int:
    shifts = ONES_SHIFTS if rng.random() < 0.5 else TENS_SHIFTS
    while True:
        wrong = right + rng.choice(shifts)
        if wrong >= 0:
            return wrong


def _math_example(rng: random.Random, index: int) -> Example:
    a, b = rng.randrange(100), rng.randrange(100)
    right = a + b
    correct = rng.random() < 0.5
    shown = right if correct else _wrong_answer(rng, right)
    return Example(id=f"m{index}", inputs={"question": f"{a}+{b}", "answer": str(shown)}, label=int(correct))


def _chat_example(rng: random.Random, index: int) -> Example:
    a = rng.randrange(100)
    b = rng.randrange(a + 1)
    right = a - b
    wrong = _wrong_answer(rng, right)
    second_is_right = rng.random() < 0.5
    first, second = (wrong, right) if second_is_right else (right, wrong)
    inputs = {"prompt": f"{a}-{b}", "first": str(first), "second": str(second)}
    return Example(id=f"c{index}", inputs=inputs, label=int(second_is_right))


def _make(name: str, family: str, maker, seed: int) -> Task:  # type: ignore[no-untyped-def]
    rng = random.Random(f"{name}:{seed}")
    splits: dict[str, list[Example]] = {}
    counter = 0
    for split, size in SPLIT_SIZES.items():
        splits[split] = [maker(rng, counter + i) for i in range(size)]
        counter += size
    return Task(name=name, family=family, splits=splits, description=(__doc__ or "").strip().splitlines()[0])  # type: ignore[arg-type]


def tiny_math(seed: int = 0) -> Task:
    return _make("tiny_math", "math", _math_example, seed)


def tiny_chat(seed: int = 0) -> Task:
    return _make("tiny_chat", "chat", _chat_example, seed)


def pretraining_documents(seed: int = 0, first_examples: int | None = None) -> list[str]:
    """Every correct addition and subtraction fact once, as unlabeled question/answer documents, shuffled.

    ``first_examples`` (the ``micro`` size): only the facts asked in the first N examples of each bundled split,
    so that a model of a few thousand parameters can learn them in a second and ``micro`` keeps a gap.
    """
    if first_examples is None:
        pairs = [(a, b, "+") for a in range(100) for b in range(100)] + [(a, b, "-") for a in range(100) for b in range(a + 1)]
    else:
        pairs = []
        for task in (tiny_math(), tiny_chat()):
            for split in SPLIT_SIZES:
                for example in task.split(split)[:first_examples]:
                    question = example.inputs.get("question") or example.inputs["prompt"]
                    op = "+" if "+" in question else "-"
                    a, b = map(int, question.split(op))
                    pairs.append((a, b, op))
    docs = [f"Question: {a}{op}{b}\nAnswer: {a + b if op == '+' else a - b}\n" for a, b, op in pairs]
    random.Random(seed).shuffle(docs)
    return docs


def tokenizer_training_text() -> list[str]:
    """The corpus plus the prompt templates' words and label names, so each label is one token."""
    template_words = ["Question: 1+2\nAnswer A: 3\nAnswer B: 4\nLabel: A\nLabel: B\nLabel: True\nLabel: False\n"]
    return pretraining_documents() + template_words * 2000
