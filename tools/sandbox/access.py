"""Who a sandbox runs as, and making the workspace writable for that user without changing its owner.

When the workspace belongs to an ordinary user, commands run as that user (like ``--user $(id -u)``). When it
belongs to root (CI, a root shell) commands run as ``SANDBOX_UID`` and the workspace gets POSIX ACLs granting
that uid rwX, with a default ACL so files the host writes later (git checkouts, copied files) stay writable.
The owner is left alone: git refuses repositories owned by someone else ("dubious ownership").
"""

from __future__ import annotations

import os
import stat
import struct
from pathlib import Path

from tools.sandbox.config import SANDBOX_UID, SandboxMounts

_ACL_VERSION = 2
_USER_OBJ, _USER, _GROUP_OBJ, _MASK, _OTHER = 0x01, 0x02, 0x04, 0x10, 0x20
_UNDEFINED_ID = 0xFFFFFFFF


def sandbox_identity(workspace: Path) -> tuple[int, int]:
    """(uid, gid) commands run as in a sandbox over this workspace."""
    st = workspace.stat()
    if st.st_uid != 0:
        return st.st_uid, st.st_gid
    return SANDBOX_UID, SANDBOX_UID


def _acl(mode: int, uid: int, grant: int) -> bytes:
    """An extended ACL (the kernel's xattr layout): the mode's owner/group/other bits plus ``uid`` -> grant."""
    entries = [
        (_USER_OBJ, (mode >> 6) & 7, _UNDEFINED_ID),
        (_USER, grant, uid),
        (_GROUP_OBJ, (mode >> 3) & 7, _UNDEFINED_ID),
        (_MASK, 7, _UNDEFINED_ID),
        (_OTHER, mode & 7, _UNDEFINED_ID),
    ]
    return struct.pack("<I", _ACL_VERSION) + b"".join(struct.pack("<HHI", *entry) for entry in entries)


_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


def _grant_fd(fd: int, uid: int, writable: bool) -> None:
    st = os.fstat(fd)
    is_dir = stat.S_ISDIR(st.st_mode)
    if not (is_dir or stat.S_ISREG(st.st_mode)):
        return
    executable = is_dir or bool(st.st_mode & 0o111)
    bits = 4 | (2 if writable else 0) | (1 if executable else 0)
    os.setxattr(fd, "system.posix_acl_access", _acl(st.st_mode, uid, bits))
    if is_dir:
        os.setxattr(fd, "system.posix_acl_default", _acl(0o755, uid, 7 if writable else 5))


def _grant_entry(name: str, dir_fd: int, uid: int, writable: bool) -> None:
    try:
        fd = os.open(name, _OPEN_FLAGS, dir_fd=dir_fd)
    except OSError:
        return  # a symlink (O_NOFOLLOW), or gone: never follow anything out of the tree
    try:
        _grant_fd(fd, uid, writable)
    finally:
        os.close(fd)


def grant_access(root: Path, uid: int, writable: bool) -> None:
    """Let ``uid`` read (and, if ``writable``, write) everything under ``root``; a no-op when it owns ``root``.

    Read grants matter too: the host writes some files 0600 (atomic writes through ``mkstemp``), and the
    bundle and model folders mounted at ``/data`` and ``/models`` must be readable by the sandbox user.
    Everything is opened relative to an already-open folder with O_NOFOLLOW (``os.fwalk``), so a sandbox
    swapping a folder for a symlink while this runs cannot point a grant at a host file.
    """
    root = root.resolve()
    if root.stat().st_uid == uid:
        return
    fd = os.open(root, _OPEN_FLAGS)
    try:
        _grant_fd(fd, uid, writable)
    finally:
        os.close(fd)
    for _, dirs, files, dir_fd in os.fwalk(root):
        for name in dirs + files:
            _grant_entry(name, dir_fd, uid, writable)


def grant_mount_access(mounts: SandboxMounts, uid: int) -> None:
    """The workspace read-write, the data and model folders read-only, for the sandbox user."""
    grant_access(mounts.workspace, uid, writable=True)
    for folder in (mounts.data, mounts.models):
        if folder is not None and folder.exists():
            grant_access(folder, uid, writable=False)
