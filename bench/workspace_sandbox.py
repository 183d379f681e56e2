"""Sandbox half of the workspace benchmark: exec round trips (docker p50/p99, target p50 <= 100 ms; bwrap).

    .venv/bin/python bench/workspace_sandbox.py [--execs 200]

A round trip is ``sandbox.exec("true")`` end to end: the command wrapped in ``timeout`` and bash, output read
and capped, exit code fetched. Also: opening + closing a sandbox, and ``build_image`` when up to date.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tools.sandbox import BwrapSandboxConfig, DockerSandboxConfig, SandboxError, SandboxMounts, open_sandbox


def _ms(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return round(1000 * ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))], 1)


def _timed(action: Callable[[], Any], repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return samples


def _bench_backend(config: DockerSandboxConfig | BwrapSandboxConfig, execs: int, opens: int) -> dict[str, Any]:
    name = config.type
    with tempfile.TemporaryDirectory(prefix=f"aar-bench-{name}-") as folder:
        mounts = SandboxMounts(workspace=Path(folder))
        sandbox = open_sandbox(config, mounts, f"bench-{name}")
        try:
            for _ in range(3):
                sandbox.exec("true", timeout_s=30)
            trips = _timed(lambda: sandbox.exec("true", timeout_s=30), execs)
        finally:
            sandbox.close()
        cycles = _timed(lambda: open_sandbox(config, mounts, f"bench-{name}-cycle").close(), opens)
    return {
        f"{name} exec round trip p50 (ms)": _ms(trips, 50),
        f"{name} exec round trip p99 (ms)": _ms(trips, 99),
        f"{name} open+close p50 (ms)": round(1000 * statistics.median(cycles), 1),
    }


def bench_sandbox(execs: int = 200, opens: int = 5) -> dict[str, Any]:
    """Measured numbers by name; a backend that cannot run here says why instead."""
    results: dict[str, Any] = {}
    try:
        from tools.sandbox.images import build_image

        build_image()
        results["sandbox build when up to date (ms)"] = round(1000 * statistics.median(_timed(build_image, 5)), 1)
        results.update(_bench_backend(DockerSandboxConfig(labels={"aar.bench": "1"}), execs, opens))
    except SandboxError as exc:
        results["docker"] = f"not measured: {exc}"
    try:
        results.update(_bench_backend(BwrapSandboxConfig(), execs, opens))
    except SandboxError as exc:
        results["bwrap"] = f"not measured: {exc}"
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--execs", type=int, default=200)
    parser.add_argument("--opens", type=int, default=5)
    args = parser.parse_args()
    results = bench_sandbox(args.execs, args.opens)
    width = max(len(key) for key in results)
    for key, value in results.items():
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
