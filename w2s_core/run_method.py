"""``python -m w2s_core.run_method --bundle DIR --method NAME_OR_PATH --seed N --out FILE [--device D] [--model-dir DIR]``

Runs one method on a public bundle (inside a sandbox: read-only bundle and model, writable /workspace and /tmp).
Success: writes ``{"task", "method", "seed", "probs", "n_dropped", "seconds"}`` to FILE, exit 0.
Failure (the method raised, or its predictions were invalid): writes ``{"error", "error_type", "traceback", ...}``
to FILE, exit 1. Bad arguments: exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path

from aar import ConfigError, write_atomic


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m w2s_core.run_method", description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", required=True, type=Path)
    parser.add_argument("--method", required=True)
    parser.add_argument("--seed", required=True, type=int)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--model-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    from w2s_core.bundle import run_method_on_bundle

    try:
        output = run_method_on_bundle(args.bundle, args.method, args.seed, args.device, args.model_dir)
    except ConfigError as error:
        _write_error(args, error, code=2)
        return 2
    except Exception as error:  # a method's failure is reported, never lost
        _write_error(args, error, code=1)
        return 1
    write_atomic(args.out, json.dumps(output.to_json()))
    return 0


def _write_error(args: argparse.Namespace, error: BaseException, code: int) -> None:
    payload = {
        "task": None, "method": args.method, "seed": args.seed, "error": f"{type(error).__name__}: {error}",
        "error_type": type(error).__name__, "traceback": traceback.format_exc(), "exit_code": code,
    }
    try:
        write_atomic(args.out, json.dumps(payload))
    except OSError:
        pass
    sys.stderr.write(payload["traceback"] if code == 1 else f"error: {error}\n")


if __name__ == "__main__":
    sys.exit(main())
