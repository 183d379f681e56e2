"""The local executor: N slots (GPUs or CPU slots) on this machine, each experiment in a fresh sandbox.

Per experiment: the committed code is exported into a fresh folder (never the researcher's live workspace),
mounted as /workspace; the public bundle for (task, seed) is mounted read-only as /data and the strong model
folder as /models; ``python -m w2s_core.run_method`` writes predictions, which go to the scorer with the
researcher's token (held here, never passed into the sandbox); then the hack checks run.
"""

from __future__ import annotations

import json
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from aar import RunFolder, get_logger
from tools.experiments.executor import SeedRecorder
from tools.experiments.records import ExperimentJob, ExperimentOutcome, SeedResult

log = get_logger(__name__)
OUTPUT_DIR = ".aar_out"


class LocalExecutorConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["local"] = "local"
    slots: int | None = Field(default=None, ge=1, description="Concurrent experiments; default: GPUs, else 1")
    device: Literal["auto", "cpu", "cuda"] = "auto"
    threads_per_slot: int = Field(default=1, ge=1)
    timeout_s: float = Field(default=3600.0, gt=0)
    teacher_ablation: bool = Field(default=False, description="Re-run each experiment with shuffled weak labels")


@dataclass(frozen=True)
class SeedPredictions:
    seed: int
    probs: list[float]
    n_dropped: int
    seconds: float


class BundleSource(Protocol):
    """Where the label-free public data for (task, seed) lives on the host."""

    def bundle(self, task: str, seed: int, permute_weak_labels: bool = False) -> Path: ...

    def models_dir(self, task: str) -> Path | None: ...


class ScoringSink(Protocol):
    """Sends predictions to the scorer on the researcher's behalf (it holds the tokens)."""

    def score(self, job: ExperimentJob, predictions: SeedPredictions) -> SeedResult: ...


class HackChecker(Protocol):
    """Checks that run once an experiment's seeds are scored; returns flag names (empty = clean)."""

    def check(self, job: ExperimentJob, code_dir: Path, results: list[SeedResult], runner: SandboxMethodRunner) -> list[str]: ...


class MethodRunError(RuntimeError):
    pass


def detect_gpus() -> int:
    try:
        import torch

        return int(torch.cuda.device_count()) if torch.cuda.is_available() else 0
    except Exception:  # no torch build with CUDA: a CPU machine
        return 0


def method_argument(method_path: str) -> str:
    """A built-in method name passes through; a file is addressed inside the mounted code folder."""
    if "/" not in method_path and not method_path.endswith(".py"):
        return method_path
    return "/workspace/" + method_path.lstrip("/")


class LocalExecutor:
    def __init__(
        self,
        config: LocalExecutorConfig,
        run: RunFolder,
        sandbox_config: Any,
        codestore: Any,
        bundles: BundleSource,
        sink: ScoringSink,
        checker: HackChecker | None = None,
    ) -> None:
        self.config = config
        self.run_folder = run
        self.sandbox_config = sandbox_config
        self.codestore = codestore
        self.bundles = bundles
        self.sink = sink
        self.checker = checker
        self._gpus = detect_gpus() if config.device != "cpu" else 0
        self._slots = config.slots or max(1, self._gpus)

    @property
    def slots(self) -> int:
        return self._slots

    def close(self) -> None:
        return None

    def run(self, job: ExperimentJob, slot: int, done_seeds: dict[int, SeedResult], record: SeedRecorder) -> ExperimentOutcome:
        folder = self.run_folder.experiments / job.experiment_id
        code_dir = self._export_code(job, folder / "code")
        runner = SandboxMethodRunner(self, job.task, code_dir, slot, job.experiment_id)
        results = dict(done_seeds)
        for seed in job.seeds:
            if seed in results:
                continue
            try:
                predictions = runner.predict(job.method_path, seed)
            except MethodRunError as error:
                return ExperimentOutcome(per_seed=list(results.values()), error=str(error))
            result = self.sink.score(job, predictions)
            record(result)
            results[seed] = result
        per_seed = [results[s] for s in job.seeds]
        flags = {flag for r in per_seed for flag in r.flags}
        if self.checker is not None:
            flags |= set(self.checker.check(job, code_dir, per_seed, runner))
        return ExperimentOutcome(per_seed=per_seed, flags=sorted(flags))

    def _export_code(self, job: ExperimentJob, code_dir: Path) -> Path:
        if code_dir.exists():
            shutil.rmtree(code_dir)
        if job.commit:
            self.codestore.export_commit(job.commit, code_dir)
        else:
            code_dir.mkdir(parents=True)
        return code_dir

    def device_for(self, slot: int) -> tuple[str, dict[str, str]]:
        threads = str(self.config.threads_per_slot)
        env = {"OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads, "AAR_TORCH_THREADS": threads}
        if self._gpus and self.config.device != "cpu":
            env["CUDA_VISIBLE_DEVICES"] = str(slot % self._gpus)
            return "cuda", env
        env["CUDA_VISIBLE_DEVICES"] = ""
        return "cpu", env


class SandboxMethodRunner:
    """Runs a method on one seed of a task in a FRESH sandbox per call (nothing carries over between seeds).

    Also a ``tools.scorer.checks.MethodRunner`` (``runner(method, seed, permute_weak_labels)``), so the scorer's
    teacher ablation and verification re-run methods under the same isolation as the experiment itself.
    """

    def __init__(self, executor: LocalExecutor, task: str, code_dir: Path, slot: int, name: str) -> None:
        self.executor = executor
        self.task = task
        self.code_dir = code_dir
        self.slot = slot
        self.name = name
        self.outputs = code_dir.parent / "outputs"

    def __call__(self, method: str | Path, seed: int, permute_weak_labels: bool) -> np.ndarray:
        if isinstance(method, Path) or "/" in str(method):
            path = Path(method)
            if not path.is_relative_to(self.code_dir):  # a method exported elsewhere (verification): mount its folder
                other = SandboxMethodRunner(self.executor, self.task, path.parent, self.slot, self.name)
                return other(path.name, seed, permute_weak_labels)
            method = str(path.relative_to(self.code_dir))
        return np.asarray(self.predict(str(method), seed, permute_weak_labels).probs, dtype=np.float64)

    def predict(self, method_path: str, seed: int, permute_weak_labels: bool = False) -> SeedPredictions:
        from tools.sandbox import SandboxMounts, open_sandbox

        bundles = self.executor.bundles
        bundle = bundles.bundle(self.task, seed, permute_weak_labels)
        models = bundles.models_dir(self.task)
        device, env = self.executor.device_for(self.slot)
        label = f"{self.name}-s{seed}{'-ablation' if permute_weak_labels else ''}"
        out_name = f"{label}.json"
        command = " ".join([
            "env", *(f"{k}={shlex.quote(v)}" for k, v in env.items()),
            "python -m w2s_core.run_method --bundle /data",
            f"--method {shlex.quote(method_argument(method_path))}",
            f"--seed {seed} --device {device} --out /workspace/{OUTPUT_DIR}/{out_name}",
            *(["--model-dir /models"] if models is not None else []),
        ])
        (self.code_dir / OUTPUT_DIR).mkdir(exist_ok=True)
        sandbox = open_sandbox(self.executor.sandbox_config, SandboxMounts(workspace=self.code_dir, data=bundle, models=models), label)
        try:
            result = sandbox.exec(command, timeout_s=self.executor.config.timeout_s)
        finally:
            sandbox.close()
        self.outputs.mkdir(parents=True, exist_ok=True)
        (self.outputs / f"{label}.log").write_text(result.output, encoding="utf-8")
        produced = self.code_dir / OUTPUT_DIR / out_name
        if produced.exists():  # moved out, so that the code scanned by the hack checks is only the method's
            shutil.move(str(produced), self.outputs / out_name)
        shutil.rmtree(self.code_dir / OUTPUT_DIR, ignore_errors=True)
        out_path = self.outputs / out_name
        if result.timed_out:
            raise MethodRunError(f"seed {seed}: timed out after {self.executor.config.timeout_s:.0f}s")
        if result.exit_code != 0 or not out_path.exists():
            tail = result.output.strip().splitlines()[-5:]
            raise MethodRunError(f"seed {seed}: exit code {result.exit_code}: " + " | ".join(tail))
        data = json.loads(out_path.read_text(encoding="utf-8"))
        return SeedPredictions(seed=seed, probs=[float(p) for p in data["probs"]], n_dropped=int(data.get("n_dropped", 0)),
                               seconds=float(data.get("seconds", result.seconds)))
