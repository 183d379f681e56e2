"""``aar sandbox ...``: build the sandbox image and prove its isolation."""

from __future__ import annotations

import json
import shutil
from typing import Literal

import typer
from rich.console import Console

from aar.cli_output import cli_error
from tools.sandbox.base import SandboxError

sandbox_app = typer.Typer(help="Researcher sandboxes: build the image, run the self-test.", no_args_is_help=True)
_err = Console(stderr=True)
_out = Console()

BackendChoice = Literal["auto", "docker", "bwrap"]


def _fail(message: str, code: int = 1) -> typer.Exit:
    return cli_error(f"aar sandbox: {message}", code)


def _engine_answers() -> bool:
    from tools.sandbox.docker import docker_client

    try:
        docker_client()
    except SandboxError:
        return False
    return True


@sandbox_app.command("build")
def build(
    quiet: bool = typer.Option(False, "--quiet", help="Say nothing when the image is already up to date."),
    backend: str = typer.Option("auto", "--backend", help="auto | docker | bwrap (bwrap needs no image)."),
    image: str = typer.Option("auto", "--image", help="auto | offline | cpu | cuda (Dockerfiles need a registry)."),
    force: bool = typer.Option(False, "--force", help="Rebuild even when the inputs are unchanged."),
) -> None:
    """Build the sandbox image (offline when no registry is reachable); a no-op when it is up to date."""
    if backend not in ("auto", "docker", "bwrap"):
        raise _fail(f"--backend: expected auto, docker or bwrap, got {backend!r}", 2)
    if image not in ("auto", "offline", "cpu", "cuda"):
        raise _fail(f"--image: expected auto, offline, cpu or cuda, got {image!r}", 2)
    if backend == "bwrap" or (backend == "auto" and not _engine_answers()):
        if backend == "auto":
            _err.print("aar sandbox: no Docker engine answers; no image built, the bwrap backend will be used")
        if shutil.which("bwrap") is None:
            _err.print("aar sandbox: bwrap is not installed either: install bubblewrap or start a Docker engine")
        return
    from tools.sandbox.images import build_image

    try:
        result = build_image(image, force=force)  # type: ignore[arg-type]
    except SandboxError as exc:
        raise _fail(str(exc)) from exc
    if result.built:
        _err.print(f"aar sandbox: built {result.tag} ({result.recipe}, inputs {result.inputs_hash}) in {result.seconds:.1f}s")
    elif not quiet:
        _err.print(f"aar sandbox: {result.tag} is up to date ({result.recipe}, inputs {result.inputs_hash})")


@sandbox_app.command("clean")
def clean() -> None:
    """Remove every sandbox container aar started (label aar.sandbox=1) and bwrap cgroups of dead owners."""
    from tools.sandbox.cgroups import remove_stale_cgroups
    from tools.sandbox.docker import SANDBOX_LABEL, remove_containers

    try:
        remove_stale_cgroups()
    except OSError as exc:
        _err.print(f"aar sandbox: stale cgroups not removed: {exc}")
    if not _engine_answers():
        _err.print("aar sandbox: no Docker engine answers; no containers to remove")
        return
    try:
        removed = remove_containers(SANDBOX_LABEL)
    except SandboxError as exc:
        raise _fail(str(exc)) from exc
    _err.print(f"aar sandbox: removed {removed} container(s)")


@sandbox_app.command("selftest")
def selftest(
    backend: str = typer.Option("auto", "--backend", help="auto (docker when an engine answers) | docker | bwrap."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    image: str = typer.Option("", "--image", help="Docker image to test (default: the built aar-sandbox image)."),
) -> None:
    """Prove from inside a sandbox: no network, hidden files unreadable, no Docker socket, limits hold."""
    from tools.sandbox.config import BwrapSandboxConfig, DockerSandboxConfig
    from tools.sandbox.selftest import sandbox_self_test

    if backend not in ("auto", "docker", "bwrap"):
        raise _fail(f"--backend: expected auto, docker or bwrap, got {backend!r}", 2)
    if backend == "auto":
        backend = "docker" if _engine_answers() else "bwrap"
    config = DockerSandboxConfig(**({"image": image} if image else {})) if backend == "docker" else BwrapSandboxConfig()
    report = sandbox_self_test(config)
    if as_json:
        _out.print_json(json.dumps(report.to_dict()))
    else:
        for check in report.checks:
            mark = "[green]ok  [/green]" if check.ok else "[red]FAIL[/red]"
            _out.print(f"{mark} {check.name:<26} {check.detail}", highlight=False)
    if not report.ok:
        raise _fail(f"{backend} sandbox self-test failed: {', '.join(report.failed)}")
