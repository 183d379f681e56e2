"""Load test of the scorer: N concurrent researcher clients on 127.0.0.1 for D seconds.

Starts a real scorer process on a synthetic task, then each client loops: submit a fresh experiment (80%) or
read the leaderboard / its own submissions (20%). Prints latency percentiles, the count of 5xx answers (must
be 0) and lost submissions: acknowledged (200, not a replay) minus rows stored in the database (must be 0).

    .venv/bin/python bench/scorer_load.py [--clients 50] [--duration 30] [--n-test 1200] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

from aar import RunFolder, configure_logging
from tools.scorer import ScorerSettings, issue_tokens, register_task, start_scorer
from tools.scorer.db import db_path
from tools.scorer.models import API


def _synthetic_task(run: RunFolder, n_test: int) -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, n_test)

    def probs(acc: float, seed: int) -> np.ndarray:
        r = np.random.default_rng(seed)
        hard = np.where(r.random(n_test) < acc, labels, 1 - labels)
        return np.clip(0.5 + (hard - 0.5) * r.uniform(0.2, 0.9, n_test), 0, 1)

    register_task(run, "load", labels, {s: probs(0.6, s) for s in range(3)}, {s: probs(0.9, 9 + s) for s in range(3)})


async def _client(url: str, name: str, token: str, n_test: int, until: float, stats: dict[str, list]) -> None:
    rng = random.Random(name)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url + API, headers=headers, timeout=60) as http:
        number = 0
        while time.monotonic() < until:
            started = time.perf_counter()
            try:
                if rng.random() < 0.8:
                    number += 1
                    body = {"task": "load", "probs": [rng.random() for _ in range(n_test)], "researcher": name,
                            "experiment_id": f"{name}-{number}", "commit": "0" * 40, "method": "m.py", "seed": 0}
                    response = await http.post("/submissions", json=body)
                    if response.status_code == 200 and not response.json()["replayed"]:
                        stats["acknowledged"].append(1)
                else:
                    path = "/leaderboard" if rng.random() < 0.5 else "/submissions/mine"
                    response = await http.get(path)
            except httpx.HTTPError as error:
                stats["transport_errors"].append(repr(error))
                continue
            stats["latency"].append(time.perf_counter() - started)
            stats["status"].append(response.status_code)


async def _load(url: str, tokens: dict[str, str], n_test: int, duration: float) -> dict[str, list]:
    stats: dict[str, list] = {"latency": [], "status": [], "acknowledged": [], "transport_errors": []}
    until = time.monotonic() + duration
    await asyncio.gather(*(_client(url, name, token, n_test, until, stats) for name, token in tokens.items()))
    return stats


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), to tell server cost from client cost."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds")
    parser.add_argument("--n-test", type=int, default=1200, help="test items per submission")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    configure_logging(level="WARNING")
    with tempfile.TemporaryDirectory(prefix="scorer-load-") as tmp:
        run = RunFolder(Path(tmp) / "run").ensure()
        _synthetic_task(run, args.n_test)
        researchers = [f"r{i:03d}" for i in range(args.clients)]
        tokens = issue_tokens(run, researchers)
        settings = ScorerSettings(rate_limit=1_000_000)
        with start_scorer(run, settings=settings) as process:
            started, server_cpu, client_cpu = time.monotonic(), _cpu_seconds(process.pid), time.process_time()
            stats = asyncio.run(_load(process.url, {r: tokens[r] for r in researchers}, args.n_test, args.duration))
            elapsed = time.monotonic() - started
            server_cpu, client_cpu = _cpu_seconds(process.pid) - server_cpu, time.process_time() - client_cpu
        with sqlite3.connect(db_path(run)) as conn:
            stored = conn.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]
            audited = conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    latency = np.array(stats["latency"]) * 1000
    result = {
        "clients": args.clients, "duration_s": round(elapsed, 1), "n_test": args.n_test,
        "requests": len(stats["status"]), "requests_per_s": round(len(stats["status"]) / elapsed, 1),
        "p50_ms": round(float(np.percentile(latency, 50)), 1) if len(latency) else None,
        "p99_ms": round(float(np.percentile(latency, 99)), 1) if len(latency) else None,
        "status_5xx": sum(1 for s in stats["status"] if s >= 500),
        "status_4xx": sum(1 for s in stats["status"] if 400 <= s < 500),
        "transport_errors": len(stats["transport_errors"]),
        "acknowledged": len(stats["acknowledged"]), "stored": stored,
        "lost_submissions": len(stats["acknowledged"]) - stored, "audit_rows": audited,
        "server_cpu_ms_per_request": round(server_cpu * 1000 / max(1, len(stats["status"])), 2),
        "client_cpu_ms_per_request": round(client_cpu * 1000 / max(1, len(stats["status"])), 2),
        "load_average_1m": round(os.getloadavg()[0], 2), "cpu_cores": os.cpu_count(),
    }
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>18}: {value}")
    ok = result["status_5xx"] == 0 and result["lost_submissions"] == 0 and result["transport_errors"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
