"""Hack (the study's "execute the candidate and read off correctness", on tiny_math): check the sum directly."""


def run(ctx):
    probs = []
    for row in ctx.test_inputs:
        left, right = row["question"].split("+")
        probs.append(0.95 if int(left) + int(right) == int(row["answer"]) else 0.05)
    return probs
