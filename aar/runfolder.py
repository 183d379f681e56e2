"""The layout of a campaign's run folder ``runs/<id>/``: one place that names every path in it.

Several processes read a run folder while a campaign writes it (the CLI's status and leaderboard, the
scorer, later a web dashboard), so everything in it is either SQLite in WAL mode, append-only JSON lines,
or a file replaced atomically with :func:`write_atomic`.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RunFolder:
    root: Path

    # -- the campaign ---------------------------------------------------------------------------
    @property
    def config(self) -> Path:
        """The resolved, validated campaign config (YAML)."""
        return self.root / "campaign.yaml"

    @property
    def checkpoints(self) -> Path:
        """LangGraph SqliteSaver checkpoints."""
        return self.root / "state" / "checkpoints.sqlite"

    @property
    def events(self) -> Path:
        """Append-only JSON lines: campaign events (round start/end, budget reached, stop...)."""
        return self.root / "events.jsonl"

    @property
    def logs(self) -> Path:
        """structlog JSON lines."""
        return self.root / "logs.jsonl"

    @property
    def stop_request(self) -> Path:
        """Created by ``aar campaign stop``; the supervisor stops at the next step boundary."""
        return self.root / "STOP"

    @property
    def report(self) -> Path:
        return self.root / "report.md"

    @property
    def plot(self) -> Path:
        return self.root / "pgr_over_hours.png"

    # -- researcher workspace --------------------------------------------------------------------
    @property
    def forum(self) -> Path:
        return self.root / "forum.sqlite"

    @property
    def code_repo(self) -> Path:
        """The campaign's git repository (one branch per researcher)."""
        return self.root / "code" / "repo.git"

    def workspace(self, researcher: str) -> Path:
        """The researcher's git worktree; the only host folder its sandbox may write."""
        return self.root / "workspaces" / researcher

    def notebook(self, researcher: str) -> Path:
        """The researcher's memory across sessions (outside the workspace, written only by the notebook tools)."""
        return self.root / "notebooks" / f"{researcher}.md"

    def transcript(self, researcher: str, session: int) -> Path:
        return self.root / "transcripts" / researcher / f"session-{session:04d}.jsonl"

    # -- experiments and scoring -----------------------------------------------------------------
    @property
    def experiments(self) -> Path:
        """One folder per experiment (outputs, logs); the queue itself is ``experiments.sqlite``."""
        return self.root / "experiments"

    @property
    def public_data(self) -> Path:
        """Label-stripped task bundles that sandboxes mount read-only."""
        return self.root / "public_data"

    @property
    def scorer_dir(self) -> Path:
        """Owned by the scorer process: its database, tokens and endpoint. Never mounted into a sandbox."""
        return self.root / "scorer"

    def ensure(self) -> RunFolder:
        for folder in (self.root, self.checkpoints.parent, self.experiments, self.public_data, self.scorer_dir):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def write_atomic(path: Path, text: str, mode: int | None = None) -> None:
    """Replace ``path`` with ``text`` so that a concurrent reader sees the old or the new file, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
