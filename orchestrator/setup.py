"""Campaign start-up: the sandbox self-test, the scorer process and its tokens, tasks registered with their
baselines, public bundles, and the services the graph's host uses. Resume runs the same code: every step is
idempotent (tokens and task registrations are kept, bundles and baselines come from caches)."""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path
from typing import Any

from aar import ConfigError, RunFolder, get_logger
from orchestrator.budgets import BudgetKeeper
from orchestrator.config import CampaignConfig
from orchestrator.ledger import EventLog, Ledger
from orchestrator.runtime import CampaignServices
from tools.codestore import CodeStore
from tools.experiments import ExperimentService, LocalExecutor, register_experiment_tools
from tools.experiments.checks import ScorerChecks
from tools.experiments.records import ExperimentJob, SeedResult
from tools.experiments.local import SeedPredictions
from tools.forum import Forum

log = get_logger(__name__)


class StartupRefused(ConfigError):
    """The campaign must not start (a sandbox check failed, a provider has no key...): one line says why."""


def pipeline_for(config: CampaignConfig, task: str) -> Any:
    from w2s_core import Pipeline, PipelineConfig

    w2s = config.w2s
    settings: dict[str, Any] = {"task": task, "device": w2s.device}
    if w2s.size is not None:
        settings["size"] = w2s.size
    if w2s.strong_model and w2s.weak_model:
        settings.update(strong_model=w2s.strong_model, weak_model=w2s.weak_model)
    return Pipeline(PipelineConfig(**settings))


def register_data_folder(config: CampaignConfig) -> None:
    """The paper preset reads the study's tasks (chat, math, code) from a data folder in its jsonl format."""
    if config.w2s.data_dir is None:
        return
    from w2s_core import register_task as register_w2s_task

    for task in [*config.tasks, *config.held_out_tasks]:
        folder = Path(config.w2s.data_dir) / task
        if not folder.is_dir():
            raise ConfigError(f"w2s.data_dir: {folder} does not exist (expected one folder per task)")
        register_w2s_task(task, folder)


def preflight(run: RunFolder, config: CampaignConfig) -> None:
    from agents.providers.config import preflight as provider_preflight
    from tools.sandbox import sandbox_self_test

    for name in config.researcher_ids():
        problems = provider_preflight(config.provider_of(name))
        if problems:
            raise StartupRefused(f"researcher {name}: {problems[0]}")
    # The self-test also proves that the run's secrets (scorer database and tokens, checkpoints) are unreadable.
    report = sandbox_self_test(config.sandbox, hidden_paths=[run.scorer_dir, run.checkpoints.parent])
    failed = [check for check in report.checks if not check.ok]
    if failed:
        raise StartupRefused(f"sandbox self-test failed: check '{failed[0].name}': {failed[0].detail}")


def register_tasks(run: RunFolder, config: CampaignConfig, tasks: list[str]) -> None:
    """Baselines computed by w2s_core (cached on disk), ground truth handed to the scorer only."""
    from tools.scorer import register_task

    for task in tasks:
        pipeline = pipeline_for(config, task)
        baselines = pipeline.baselines(config.w2s.baseline_seeds)
        register_task(run, task, pipeline.labels("test"), baselines.weak_test_probs, baselines.ceiling_test_probs)
        log.info("task_registered", task=task, weak_acc=baselines.weak_acc, ceiling_acc=baselines.ceiling_acc)


class PublicBundles:
    """Label-free bundles per (task, seed), exported on first use into ``run.public_data``."""

    def __init__(self, run: RunFolder, config: CampaignConfig) -> None:
        self.run = run
        self.config = config
        self._lock = threading.Lock()

    def bundle(self, task: str, seed: int, permute_weak_labels: bool = False) -> Path:
        suffix = "-permuted" if permute_weak_labels else ""
        folder = self.run.public_data / f"{task}-seed{seed}{suffix}"
        with self._lock:
            if not (folder / "bundle.json").exists():
                pipeline_for(self.config, task).export_public_bundle(seed, folder, permute_weak_labels=permute_weak_labels)
        return folder

    def models_dir(self, task: str) -> Path | None:
        meta = json.loads((self.bundle(task, self.config.seeds[0]) / "bundle.json").read_text(encoding="utf-8"))
        strong = meta.get("strong_model")
        return Path(strong) if strong else None


class ScorerSink:
    """Submits predictions with the researcher's own token (held here, never inside a sandbox); the admin
    client reads back the exact scores for the trusted views (report, plot), which researchers never see."""

    def __init__(self, url: str, tokens: dict[str, str], admin_token: str) -> None:
        from tools.scorer import ScorerClient

        self._clients = {name: ScorerClient(url, token) for name, token in tokens.items()}
        self.admin = ScorerClient(url, admin_token)

    def score(self, job: ExperimentJob, predictions: SeedPredictions) -> SeedResult:
        from tools.scorer.models import SubmissionIn

        out = self._clients[job.researcher].submit(
            SubmissionIn(
                task=job.task, probs=predictions.probs, researcher=job.researcher, experiment_id=job.experiment_id,
                commit=job.commit or "none", method=job.method_path, seed=predictions.seed,
            )
        )
        detail = self.admin.submission(out.submission_id)
        return SeedResult(
            seed=predictions.seed,
            pgr=out.public_pgr,
            submission_id=str(out.submission_id),
            flags=[flag.name for flag in out.flags if not flag.cleared],
            exact_pgr=detail.public_pgr,
            private_pgr=detail.private_pgr,
        )


def open_services(run: RunFolder, config: CampaignConfig) -> CampaignServices:
    """Start (or restart, on resume) everything a campaign needs; refuses to start on a failed check."""
    from tools.scorer import ADMIN, issue_tokens, start_scorer
    from tools.workspace_tools import default_registry

    run.ensure()
    register_data_folder(config)
    preflight(run, config)
    researchers = config.researcher_ids()
    register_tasks(run, config, [*config.tasks, *config.held_out_tasks])  # the slow part: before any process starts
    tokens = issue_tokens(run, researchers)
    events, ledger = EventLog(run), Ledger(run)
    stop_stale_scorer(run)
    scorer = start_scorer(run, settings=config.scorer)
    codestore, forum = CodeStore(run), Forum(run.forum)
    sink = ScorerSink(scorer.url, {name: tokens[name] for name in researchers}, tokens[ADMIN])
    experiments = ExperimentService(
        run, default_task=config.tasks[0], default_seeds=tuple(config.seeds), allowed_tasks=frozenset(config.tasks)
    )
    budgets = BudgetKeeper(config, ledger, experiments.queue, events)
    experiments.gate = budgets.exceeded
    experiments.executor = LocalExecutor(
        config.executor, run, config.sandbox, codestore, PublicBundles(run, config), sink,
        ScorerChecks(sink.admin, config.executor.teacher_ablation),
    )
    registry = register_experiment_tools(default_registry())
    services = CampaignServices(
        run=run, config=config, events=events, ledger=ledger, forum=forum, codestore=codestore,
        experiments=experiments, budgets=budgets, registry=registry, scorer=scorer, admin=sink.admin,
        bundles=experiments.executor.bundles,
    )
    services.sandboxes = open_researcher_sandboxes(run, config, codestore)
    experiments.start()
    ledger.clock_start()
    return services


def stop_stale_scorer(run: RunFolder) -> None:
    """A campaign killed with -9 leaves its scorer process running: end it before starting a fresh one."""
    from tools.scorer import read_endpoint

    endpoint = read_endpoint(run)
    pid = int(endpoint["pid"]) if endpoint and isinstance(endpoint.get("pid"), int) else None
    if pid is None or pid == os.getpid():
        return
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return  # gone already
    if b"tools.scorer" in cmdline and str(run.root).encode() in cmdline:
        os.kill(pid, signal.SIGTERM)
        log.info("stale_scorer_stopped", pid=pid)


def open_researcher_sandboxes(run: RunFolder, config: CampaignConfig, codestore: CodeStore) -> dict[str, Any]:
    """Each researcher's interactive sandbox: its workspace read-write, the public bundles read-only."""
    from tools.sandbox import SandboxMounts, open_sandbox

    return {
        name: open_sandbox(
            config.sandbox, SandboxMounts(workspace=codestore.ensure_researcher(name), data=run.public_data, models=None),
            f"{config.name}-{name}",
        )
        for name in config.researcher_ids()
    }


def close_services(services: CampaignServices) -> None:
    services.experiments.close()
    for sandbox in services.sandboxes.values():
        sandbox.close()
    if services.scorer is not None:
        services.scorer.stop()
    services.forum.close()
    services.ledger.clock_checkpoint()
    services.ledger.close()
