"""The campaign's git code store: one bare repository, a branch and a worktree per researcher.

Every write goes through this class, under one lock per repository (a ``flock`` on a file next to it, so
threads and processes alike take turns). Commits only ever add to a researcher's own branch: there is no
operation that resets, amends, deletes or pushes to another branch.

Git is always run with an explicit ``GIT_DIR`` and ``GIT_WORK_TREE``, and the worktree has no ``.git`` link
file: anything named ``.git`` in the sandbox-writable workspace is the researcher's, never followed (it could
otherwise point our commits at someone else's branch, and the link would reveal host paths).
"""

from __future__ import annotations

import fcntl
import io
import itertools
import json
import os
import re
import tarfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import git
from gitdb.exc import BadName, BadObject

from aar import RunFolder, get_logger
from tools.codestore.confined import ConfinedDir, PathRefused, relative_parts

log = get_logger(__name__)

BRANCH_PREFIX = "researcher/"
STEP_TRAILER = "Step-Id"
_RESEARCHER_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_REF_TEXT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./~^-]{0,199}$")
# Kept out of every commit: caches and model weights, which only bloat the history (code is what is shared).
_DEFAULT_EXCLUDES = "".join(f"{pattern}\n" for pattern in (
    "__pycache__/", "*.pyc", ".pytest_cache/", ".ipynb_checkpoints/",
    "*.safetensors", "*.pt", "*.pth", "*.ckpt", "*.bin"))
_IDENTITY_EMAIL = "{name}@aar.invalid"
_MAX_LISTED = 1000


class CodeStoreError(ValueError):
    """A bad researcher name, ref or path; the message names it."""


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    branch: str | None
    author: str
    time: str  # ISO 8601, UTC
    summary: str
    step_id: str | None


@dataclass(frozen=True)
class BranchInfo:
    name: str
    researcher: str
    head: CommitInfo


@dataclass(frozen=True)
class CommitOutcome:
    sha: str
    created: bool  # False when an earlier commit with the same step id was returned
    skipped: tuple[str, ...]  # paths left out of the commit: files over the size limit, nested git repositories


def validate_researcher(name: str) -> str:
    if not _RESEARCHER_NAME.match(name):
        raise CodeStoreError(f"researcher name '{name}' must be 1-40 of a-z, 0-9, '_' or '-', starting with a letter or digit")
    return name


class CodeStore:
    def __init__(self, run: RunFolder, max_file_bytes: int = 20 * 1024 * 1024) -> None:
        self.run = run
        self.path = run.code_repo
        self.max_file_bytes = max_file_bytes
        self._lock_path = self.path.parent / "repo.lock"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._per_thread = threading.local()
        with self._locked():
            if not (self.path / "HEAD").exists():
                self._create()
            if not self._has_branch("main"):  # also finishes a creation that a crash interrupted
                self._root_commit()

    @property
    def repo(self) -> git.Repo:
        """This thread's Repo: GitPython keeps a persistent ``git cat-file`` per Repo, not safe to share."""
        repo: git.Repo | None = getattr(self._per_thread, "repo", None)
        if repo is None:
            repo = self._per_thread.repo = git.Repo(self.path)
        return repo

    # -- set-up --------------------------------------------------------------------------------------
    def _create(self) -> None:
        repo = git.Repo.init(self.path, bare=True, initial_branch="main")
        (self.path / "info").mkdir(exist_ok=True)
        (self.path / "info" / "exclude").write_text(_DEFAULT_EXCLUDES, encoding="utf-8")
        with repo.config_writer() as config:
            config.set_value("gc", "auto", "0")  # no background repacking while researchers commit
            config.set_value("core", "hooksPath", "/dev/null")

    def _root_commit(self) -> None:
        empty_tree = self.repo.git.hash_object("-t", "tree", "-w", os.devnull)
        root = self.repo.git.commit_tree(empty_tree, "-m", "Campaign code store", env=_identity("aar"))
        self.repo.git.update_ref("refs/heads/main", root)
        log.info("code store created", path=str(self.path))

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self._lock_path, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def branch_of(self, researcher: str) -> str:
        return BRANCH_PREFIX + validate_researcher(researcher)

    def _admin_dir(self, researcher: str) -> Path:
        return self.path / "worktrees" / researcher

    def ensure_researcher(self, researcher: str) -> Path:
        """Create the researcher's branch (from the root commit) and worktree if missing; return the worktree."""
        branch = self.branch_of(researcher)
        workspace = self.run.workspace(researcher)
        with self._locked():
            if not self._admin_dir(researcher).exists():
                if workspace.exists() and any(workspace.iterdir()):
                    raise CodeStoreError(f"workspace {workspace} exists and is not empty; cannot make it a worktree")
                workspace.parent.mkdir(parents=True, exist_ok=True)
                args = ["add", "--quiet", "--lock", str(workspace)]
                if self._has_branch(branch):
                    args.append(branch)
                else:
                    args += ["-b", branch, "main"]
                self.repo.git.worktree(*args)
                if not self._admin_dir(researcher).exists():  # git names the admin dir after the folder
                    raise CodeStoreError(f"git did not create the worktree admin folder for '{researcher}'")
                # The link file would tell the sandbox where the run folder is on the host, and nothing needs
                # it: our git calls name the admin folder themselves, and the lock keeps git from pruning it.
                (workspace / ".git").unlink()
        return workspace

    def _has_branch(self, branch: str) -> bool:
        return any(head.name == branch for head in self.repo.heads)

    def _worktree_git(self, researcher: str) -> tuple[git.Git, dict[str, str]]:
        workspace = self.run.workspace(researcher)
        env = {"GIT_DIR": str(self._admin_dir(researcher)), "GIT_WORK_TREE": str(workspace),
               **_identity(researcher)}
        return git.Git(workspace), env

    # -- writing -------------------------------------------------------------------------------------
    def commit_workspace(self, researcher: str, message: str, step_id: str) -> str:
        return self.commit(researcher, message, step_id).sha

    def commit(self, researcher: str, message: str, step_id: str) -> CommitOutcome:
        """Commit everything in the worktree to the researcher's branch.

        Idempotent by ``step_id``: when the branch already has a commit carrying it, that commit is returned.
        An unchanged tree still gets its own (empty) commit, so every experiment points at a commit that
        names its step. Files over ``max_file_bytes`` are left out and reported.
        """
        branch = self.branch_of(researcher)
        if "\n" in step_id or not step_id.strip():
            raise CodeStoreError(f"step id {step_id!r} must be one non-empty line")
        self.ensure_researcher(researcher)
        with self._locked():
            existing = self._find_step(researcher, step_id)
            if existing is not None:
                return CommitOutcome(existing, created=False, skipped=())
            runner, env = self._worktree_git(researcher)
            # Only we run git on this worktree, under the lock: a lock file now is a crashed run's leftover.
            (self._admin_dir(researcher) / "index.lock").unlink(missing_ok=True)
            left_out = self._left_out(self.run.workspace(researcher))
            try:
                runner.execute(["git", "add", "--all", "--ignore-errors", "--", ".",
                                *(f":(exclude,literal){path}" for path in left_out)], env=env)
            except git.GitCommandError as error:  # unreadable files: the rest is still staged
                problem = str(error.stderr).strip().strip("'").splitlines()
                left_out.append(f"(git add: {problem[0] if problem else 'failed'})")
            text = f"{message.strip() or 'workspace snapshot'}\n\n{STEP_TRAILER}: {step_id}\nResearcher: {researcher}\n"
            runner.execute(["git", "commit", "--quiet", "--allow-empty", "--no-verify", "-m", text], env=env)
            sha = self.repo.commit(branch).hexsha
            self._record_step(researcher, step_id, sha)
        log.info("workspace committed", researcher=researcher, sha=sha, step_id=step_id, skipped=len(left_out))
        return CommitOutcome(sha, created=True, skipped=tuple(left_out))

    # The step index (one JSON line per commit) spares a history scan per commit. A crash between a commit
    # and its index line leaves that commit at the branch tip, so the tip is checked as well; a lost index
    # is rebuilt from the trailers in the history.
    def _steps_file(self, researcher: str) -> Path:
        return self.path.parent / "steps" / f"{researcher}.jsonl"

    def _record_step(self, researcher: str, step_id: str, sha: str) -> None:
        path = self._steps_file(researcher)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"step_id": step_id, "sha": sha}) + "\n")

    def _find_step(self, researcher: str, step_id: str) -> str | None:
        branch = self.branch_of(researcher)
        path = self._steps_file(researcher)
        if not path.exists():
            for commit in self.repo.iter_commits(branch):
                found = _step_of(commit)
                if found is not None:
                    self._record_step(researcher, found, commit.hexsha)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:  # a line cut short by a crash: its commit is the tip, checked below
                continue
            if entry.get("step_id") == step_id:
                return str(entry["sha"])
        tip = self.repo.commit(branch)
        if _step_of(tip) == step_id:
            self._record_step(researcher, step_id, tip.hexsha)
            return tip.hexsha
        return None

    def _left_out(self, workspace: Path) -> list[str]:
        """Paths ``git add`` must skip: files over the size limit, and nested repositories (a ``git init``
        in the workspace would otherwise make ``git add`` fail or record an empty submodule)."""
        left_out: list[str] = []
        for folder, dirs, files in os.walk(workspace):
            here = Path(folder)
            if here != workspace and (".git" in dirs or ".git" in files):
                left_out.append(here.relative_to(workspace).as_posix())
                dirs[:] = []
                continue
            dirs[:] = [name for name in dirs if name != ".git"]
            for name in files:
                try:
                    if (here / name).lstat().st_size > self.max_file_bytes:
                        left_out.append((here / name).relative_to(workspace).as_posix())
                except OSError:
                    continue
        return left_out

    def copy(self, researcher: str, ref: str, src: str, dst: str) -> list[str]:
        """Copy a file or folder from any commit into the researcher's own worktree; returns the paths written."""
        commit = self._commit(ref)
        src_parts = relative_parts(src)
        target = self._tree_entry(commit, src_parts, ref, src)
        workspace = ConfinedDir(self.ensure_researcher(researcher))
        dst_parts = relative_parts(dst)
        written: list[str] = []
        if isinstance(target, git.Blob):
            workspace.write_bytes("/".join(dst_parts), target.data_stream.read())
            return ["/".join(dst_parts)]
        for item in target.traverse():
            if isinstance(item, git.Blob):
                inner = item.path[len(target.path):].lstrip("/") if target.path else item.path
                destination = "/".join((*dst_parts, *inner.split("/")))
                workspace.write_bytes(destination, item.data_stream.read())
                written.append(destination)
        return written

    def export_commit(self, sha: str, dest: Path) -> Path:
        """Write the files of a commit into ``dest`` (created, must be empty): what an experiment runs."""
        commit = self._commit(sha)
        dest = Path(dest)
        dest.mkdir(parents=True, exist_ok=True)
        if any(dest.iterdir()):
            raise CodeStoreError(f"export destination {dest} is not empty")
        stream = io.BytesIO()
        self.repo.archive(stream, commit.hexsha, format="tar")
        stream.seek(0)
        left_out: list[str] = []

        def inside_dest(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo | None:
            """tarfile's ``data`` filter, but a link out of ``dest`` is left out rather than failing the export."""
            try:
                return tarfile.data_filter(member, path)
            except tarfile.FilterError as error:
                left_out.append(f"{member.name}: {error}")
                return None

        with tarfile.open(fileobj=stream, mode="r:") as archive:
            archive.extractall(dest, filter=inside_dest)
        if left_out:
            log.warning("export left out unsafe entries", sha=commit.hexsha, entries=left_out)
        return dest

    # -- reading -------------------------------------------------------------------------------------
    def _commit(self, ref: str) -> git.Commit:
        if not _REF_TEXT.match(ref) or ".." in ref:
            raise CodeStoreError(f"'{ref}' is not a commit id or branch name")
        try:
            return self.repo.commit(ref)
        except (BadName, BadObject, ValueError, git.GitCommandError):
            raise CodeStoreError(f"no commit or branch named '{ref}'") from None

    def resolve(self, ref: str) -> str:
        """The full commit id a branch name or (short) commit id stands for."""
        return self._commit(ref).hexsha

    def _tree_entry(self, commit: git.Commit, parts: tuple[str, ...], ref: str, path: str) -> git.Blob | git.Tree:
        if not parts:
            return commit.tree
        try:
            return commit.tree / "/".join(parts)
        except KeyError:
            raise CodeStoreError(f"'{path}' does not exist at {ref}") from None

    def show(self, ref: str, path: str, max_bytes: int = 200_000) -> str:
        """A file's text at a commit, or a folder's listing (one path a line, '/' after folders)."""
        try:
            entry = self._tree_entry(self._commit(ref), relative_parts(path), ref, path)
        except PathRefused as error:
            raise CodeStoreError(str(error)) from None
        if isinstance(entry, git.Tree):
            listing = [f"{item.path}/" if isinstance(item, git.Tree) else item.path
                       for item in itertools.islice(entry.traverse(), _MAX_LISTED + 1)]
            if len(listing) > _MAX_LISTED:
                listing[_MAX_LISTED:] = [f"[... listing cut at {_MAX_LISTED} entries; show a subfolder]"]
            return "\n".join(listing)
        data = entry.data_stream.read(max_bytes + 1)
        if b"\x00" in data[:8192]:
            raise CodeStoreError(f"'{path}' at {ref} is a binary file ({entry.size} bytes)")
        text = data[:max_bytes].decode("utf-8", errors="replace")
        if entry.size > max_bytes:
            text += f"\n[... cut: the file has {entry.size} bytes, shown {max_bytes}]"
        return text

    def diff(self, ref: str, base: str | None = None, max_chars: int = 60_000) -> str:
        """The changes from ``base`` (default: ``ref``'s parent) to ``ref``, as a unified diff."""
        commit = self._commit(ref)
        if base is not None:
            start = self._commit(base).hexsha
        elif commit.parents:
            start = commit.parents[0].hexsha
        else:
            return "(the root commit: no changes)"
        text = self.repo.git.diff(start, commit.hexsha, "--stat", "--patch", "--no-color", "--no-ext-diff")
        if len(text) > max_chars:
            text = text[:max_chars] + f"\n[... diff cut at {max_chars} characters; use code_show for whole files]"
        return text or "(no changes)"

    def _info(self, commit: git.Commit, branch: str | None) -> CommitInfo:
        return CommitInfo(sha=commit.hexsha, branch=branch, author=str(commit.author.name),
                          time=commit.committed_datetime.isoformat(), summary=str(commit.summary),
                          step_id=_step_of(commit))

    def branches(self) -> list[BranchInfo]:
        return [BranchInfo(name=head.name, researcher=head.name[len(BRANCH_PREFIX):],
                           head=self._info(head.commit, head.name))
                for head in self.repo.heads if head.name.startswith(BRANCH_PREFIX)]

    def log(self, branch: str, limit: int = 20) -> list[CommitInfo]:
        """Newest first. ``branch`` is a researcher's name, a branch name, or any commit id."""
        ref = self.branch_of(branch) if _RESEARCHER_NAME.match(branch) and self._has_branch(
            BRANCH_PREFIX + branch) else branch
        start = self._commit(ref)
        return [self._info(commit, ref) for commit in self.repo.iter_commits(start, max_count=limit)]


def _step_of(commit: git.Commit) -> str | None:
    """The step id in a commit's ``Step-Id:`` trailer."""
    return next((line.split(":", 1)[1].strip() for line in str(commit.message).splitlines()
                 if line.startswith(f"{STEP_TRAILER}:")), None)


def _identity(name: str) -> dict[str, str]:
    email = _IDENTITY_EMAIL.format(name=name)
    return {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": name,
            "GIT_COMMITTER_EMAIL": email}
