"""``aar sandbox ...``: build the sandbox image and prove its isolation."""

import typer

sandbox_app = typer.Typer(help="Researcher sandboxes: build the image, run the self-test.", no_args_is_help=True)


@sandbox_app.command("build")
def build(quiet: bool = typer.Option(False, "--quiet")) -> None:
    """Build the sandbox image (offline when no registry is reachable)."""
