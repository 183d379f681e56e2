"""Benchmark of a researcher's workspace: sandbox exec round trips, code store commits, forum search and inserts.

    .venv/bin/python bench/workspace.py [--posts 100000] [--commits 100] [--queries 300] [--no-sandbox]

Targets (issue 5): docker exec round trip p50 <= 100 ms, forum search p50 <= 5 ms at 100k posts.
The sandbox half is the sandbox engineer's ``bench_sandbox()`` in ``bench/workspace_sandbox.py``.
The forum corpus is bulk-loaded in one transaction (synthetic text with a Zipf word distribution); searches
and the insert rate go through the real ``Forum`` API.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from aar import RunFolder
from tools.codestore import CodeStore
from tools.forum import Forum

_SYLLABLES = ["ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "ve", "da", "xi", "zu", "be", "go", "fa", "hu"]
_DOMAIN = ["logconf", "confidence", "threshold", "bootstrap", "ensemble", "weak", "strong", "labels", "teacher",
           "student", "pgr", "calibration", "entropy", "filtering", "probe", "reweighting", "seed", "ceiling"]
_TAGS = [f"tag{i}" for i in range(30)]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def timed(action: Callable[[], Any], repeats: int) -> list[float]:
    """Milliseconds per call."""
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def summary(samples: list[float]) -> str:
    return f"p50 {percentile(samples, 50):.2f} ms, p99 {percentile(samples, 99):.2f} ms (n={len(samples)})"


class Corpus:
    """Deterministic synthetic forum text: domain words plus pseudo-words drawn with Zipf frequencies."""

    def __init__(self, seed: int = 0, vocabulary: int = 20_000) -> None:
        self.rng = random.Random(seed)
        words = list(_DOMAIN)
        while len(words) < vocabulary:
            words.append("".join(self.rng.choice(_SYLLABLES) for _ in range(self.rng.randint(2, 4))))
        self.words = list(dict.fromkeys(words))
        self.cumulative = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(self.words))))

    def sample(self, count: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cumulative, k=count)

    def query(self, words: int = 2) -> str:
        """Words of middling frequency (skipping the 100 commonest, which act like stop words)."""
        return " ".join(self.rng.choice(self.words[100:3000]) for _ in range(words))


def bench_commits(root: Path, count: int) -> list[float]:
    store = CodeStore(RunFolder(root / "commits"))
    workspace = store.ensure_researcher("bench")
    for index in range(20):
        (workspace / f"module_{index}.py").write_text(f"VALUE = {index}\n" * 50)
    samples = []
    for step in range(count):
        (workspace / f"module_{step % 20}.py").write_text(f"VALUE = {step}\n" * 50)
        start = time.perf_counter()
        store.commit_workspace("bench", f"step {step}", f"step-{step}")
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def bulk_load(forum: Forum, corpus: Corpus, count: int) -> float:
    """Load ``count`` posts straight into the tables in one transaction; returns seconds."""
    start = time.perf_counter()
    stamp = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    with forum.engine.begin() as connection:
        for first in range(0, count, 5000):
            rows = []
            for index in range(first, min(count, first + 5000)):
                tags = corpus.rng.sample(_TAGS, 2)
                rows.append({"id": index + 1, "author": f"r{index % 9}", "title": " ".join(corpus.sample(7)),
                             "body": " ".join(corpus.sample(80)), "tags": f'["{tags[0]}", "{tags[1]}"]',
                             "tag_text": " ".join(tags), "created_at": stamp})
            connection.execute(text(
                "INSERT INTO forum_post(id, author, title, body, tags, experiment_ids, commits, created_at) "
                "VALUES (:id, :author, :title, :body, :tags, '[]', '[]', :created_at)"), rows)
            connection.execute(text(
                "INSERT INTO forum_fts(rowid, title, body, tags) VALUES (2 * :id, :title, :body, :tag_text)"), rows)
    return time.perf_counter() - start


def bench_forum(root: Path, posts: int, queries: int, inserts: int) -> dict[str, str]:
    corpus = Corpus()
    forum = Forum(root / "forum.sqlite")
    results: dict[str, str] = {}
    results["forum bulk load"] = f"{posts} posts in {bulk_load(forum, corpus, posts):.1f} s"
    forum.search("warmup")
    for words in (1, 2):
        query_texts = [corpus.query(words) for _ in range(queries)]
        samples = [timed(lambda q=q: forum.search(q, limit=10), 1)[0] for q in query_texts]
        hits = statistics.mean(len(forum.search(q, limit=10).items) for q in query_texts[:50])
        results[f"forum search at {posts} posts ({words} mid-frequency word(s), top 10)"] = (
            f"{summary(samples)}, mean hits {hits:.1f}")
    common = [timed(lambda w=word: forum.search(w, limit=10), 1)[0] for word in corpus.words[:50]]
    results[f"forum search at {posts} posts (one of the 50 commonest words)"] = summary(common)
    start = time.perf_counter()
    for index in range(inserts):
        forum.post(f"r{index % 9}", " ".join(corpus.sample(7)), " ".join(corpus.sample(80)),
                   tags=corpus.rng.sample(_TAGS, 2), step_id=f"insert-{index}")
    seconds = time.perf_counter() - start
    results["forum insert rate (Forum.post, one transaction each)"] = (
        f"{inserts / seconds:.0f} posts/s ({seconds / inserts * 1000:.2f} ms each, n={inserts})")
    forum.close()
    return results


def sandbox_results() -> dict[str, str]:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    try:
        from workspace_sandbox import bench_sandbox  # type: ignore[import-not-found]
    except ImportError as error:
        return {"sandbox": f"not measured: bench/workspace_sandbox.py is not available ({error})"}
    try:
        outcome = bench_sandbox()
    except Exception as error:  # the other half failing must not hide this half's numbers
        return {"sandbox": f"not measured: bench_sandbox() failed: {type(error).__name__}: {error}"}
    if isinstance(outcome, dict):
        return {str(key): str(value) for key, value in outcome.items()}
    return {"sandbox": "see the lines printed above"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--inserts", type=int, default=1000)
    parser.add_argument("--commits", type=int, default=100)
    parser.add_argument("--no-sandbox", action="store_true", help="skip the Docker and bubblewrap numbers")
    args = parser.parse_args()
    results: dict[str, str] = {}
    if not args.no_sandbox:
        results.update(sandbox_results())
    with tempfile.TemporaryDirectory(prefix="aar-bench-workspace-") as folder:
        root = Path(folder)
        results[f"code store commit (changed file, {args.commits} commits)"] = summary(
            bench_commits(root, args.commits))
        results.update(bench_forum(root, args.posts, args.queries, args.inserts))
    width = max(len(key) for key in results)
    for key, value in results.items():
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
