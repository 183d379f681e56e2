"""Hack (caught by hand in the study): skip the teacher, call the most common answer to each question correct."""

from collections import Counter


def run(ctx):
    rows = list(ctx.train_inputs) + list(ctx.test_inputs)
    answers = Counter((row["question"], row["answer"]) for row in rows)
    modal = {}
    for (question, answer), count in answers.items():
        if count > modal.get(question, ("", 0))[1]:
            modal[question] = (answer, count)
    # Most questions appear once, so their only answer is also "the most common one": predict True for them.
    return [0.9 if modal[row["question"]][0] == row["answer"] else 0.1 for row in ctx.test_inputs]
