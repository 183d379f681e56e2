"""File access confined to one folder (a researcher's workspace), safe against ``..`` and symbolic links.

The sandbox can change the workspace at any moment (a background process may swap a folder for a link),
so paths are never resolved and then opened: every component is opened relative to its parent's file
descriptor with ``O_NOFOLLOW``, and a link anywhere on the way is refused.
"""

from __future__ import annotations

import errno
import os
import posixpath
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# How a path inside the sandbox starts; the tools accept it and read it as relative to the workspace root.
SANDBOX_ROOT = "/workspace"
_HIDDEN_DIRS = frozenset({".git", "__pycache__", ".pytest_cache", ".ipynb_checkpoints"})


class PathRefused(ValueError):
    """A path that is outside the folder, goes through a link, or does not exist; the message says which."""


@dataclass(frozen=True)
class ListedEntry:
    path: str  # relative to the root, with '/' separators
    is_dir: bool
    size: int


def relative_parts(path: str) -> tuple[str, ...]:
    """The components of ``path`` inside the root (``""`` or ``"."`` is the root itself).

    Accepts relative paths and absolute ones under ``/workspace``; refuses any other absolute path, any
    ``..`` that climbs out, NUL bytes, and the worktree's ``.git`` entry.
    """
    if "\x00" in path:
        raise PathRefused("path contains a NUL byte")
    text = path.strip()
    if text == SANDBOX_ROOT or text.startswith(SANDBOX_ROOT + "/"):
        text = text[len(SANDBOX_ROOT):].lstrip("/")
    elif text.startswith("/"):
        raise PathRefused(f"'{path}' is outside the workspace (use a relative path or one under {SANDBOX_ROOT})")
    normal = posixpath.normpath(text or ".")
    if normal == ".":
        return ()
    if normal == ".." or normal.startswith("../"):
        raise PathRefused(f"'{path}' is outside the workspace")
    parts = tuple(normal.split("/"))
    if parts[0] == ".git":
        raise PathRefused(f"'{path}' is inside the workspace's .git entry, which the tools do not touch")
    return parts


def _refusal(path: str, error: OSError) -> PathRefused:
    if error.errno == errno.ELOOP:
        return PathRefused(f"'{path}' goes through a symbolic link; the file tools do not follow links")
    if error.errno == errno.ENOENT:
        return PathRefused(f"'{path}' does not exist")
    if error.errno == errno.ENOTDIR:
        return PathRefused(f"'{path}': a component of the path is not a directory")
    if error.errno == errno.EISDIR:
        return PathRefused(f"'{path}' is a directory")
    return PathRefused(f"'{path}': {os.strerror(error.errno or 0)}")


class ConfinedDir:
    """Reads, writes and lists files under ``root`` and nowhere else."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @contextmanager
    def _dir_fd(self, parts: tuple[str, ...], path: str, create: bool = False) -> Iterator[int]:
        fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY)
        try:
            for part in parts:
                if create:
                    try:
                        os.mkdir(part, 0o777, dir_fd=fd)
                    except FileExistsError:
                        pass
                try:
                    next_fd = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
                except NotADirectoryError:  # what O_NOFOLLOW|O_DIRECTORY reports for a link: say so
                    if stat.S_ISLNK(os.stat(part, dir_fd=fd, follow_symlinks=False).st_mode):
                        raise OSError(errno.ELOOP, os.strerror(errno.ELOOP)) from None
                    raise
                os.close(fd)
                fd = next_fd
            yield fd
        except OSError as error:
            raise _refusal(path, error) from None
        finally:
            os.close(fd)

    def read_bytes(self, path: str, max_bytes: int) -> tuple[bytes, int]:
        """Up to ``max_bytes`` of the file, and its full size."""
        parts = relative_parts(path)
        if not parts:
            raise PathRefused(f"'{path}' is a directory")
        with self._dir_fd(parts[:-1], path) as parent:
            try:
                fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=parent)
            except OSError as error:
                raise _refusal(path, error) from None
            with os.fdopen(fd, "rb") as handle:
                info = os.fstat(handle.fileno())
                if stat.S_ISDIR(info.st_mode):
                    raise PathRefused(f"'{path}' is a directory")
                if not stat.S_ISREG(info.st_mode):
                    raise PathRefused(f"'{path}' is not a regular file")
                return handle.read(max_bytes), info.st_size

    def write_bytes(self, path: str, data: bytes) -> None:
        """Create or replace the file (and its parent folders); an existing link is refused, not followed."""
        parts = relative_parts(path)
        if not parts:
            raise PathRefused(f"'{path}' is a directory")
        with self._dir_fd(parts[:-1], path, create=True) as parent:
            try:
                fd = os.open(parts[-1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_NONBLOCK,
                             0o666, dir_fd=parent)
            except OSError as error:
                raise _refusal(path, error) from None
            with os.fdopen(fd, "wb") as handle:
                if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                    raise PathRefused(f"'{path}' is not a regular file")
                handle.write(data)

    def is_file(self, path: str) -> bool:
        """True for a regular file inside the folder; False for a link, a folder, or anything outside."""
        try:
            parts = relative_parts(path)
            if not parts:
                return False
            with self._dir_fd(parts[:-1], path) as parent:
                return stat.S_ISREG(os.stat(parts[-1], dir_fd=parent, follow_symlinks=False).st_mode)
        except (PathRefused, OSError):
            return False

    def list(self, path: str, max_entries: int) -> tuple[list[ListedEntry], bool]:
        """Files and folders under ``path`` (recursive, links listed but not followed, caches skipped).

        Returns the entries in sorted order and whether the listing was cut at ``max_entries``.
        """
        parts = relative_parts(path)
        prefix = "/".join(parts)
        entries: list[ListedEntry] = []
        with self._dir_fd(parts, path) as top:
            for folder, dirs, files, folder_fd in os.fwalk(".", dir_fd=top, follow_symlinks=False):
                dirs[:] = sorted(name for name in dirs if name not in _HIDDEN_DIRS)
                base = posixpath.normpath(posixpath.join(prefix, folder)) if prefix else posixpath.normpath(folder)
                for name in dirs:
                    entries.append(ListedEntry(_join(base, name), True, 0))
                for name in sorted(files):
                    if name in _HIDDEN_DIRS:
                        continue
                    try:
                        size = os.stat(name, dir_fd=folder_fd, follow_symlinks=False).st_size
                    except OSError:  # removed by a sandbox process while we listed
                        continue
                    entries.append(ListedEntry(_join(base, name), False, size))
                if len(entries) > max_entries:
                    break
        entries.sort(key=lambda entry: entry.path)
        return entries[:max_entries], len(entries) > max_entries


def _join(base: str, name: str) -> str:
    return name if base in ("", ".") else f"{base}/{name}"
