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


def _grant(path: Path, uid: int, writable: bool) -> None:
    st = path.lstat()
    if stat.S_ISLNK(st.st_mode):
        return
    is_dir = stat.S_ISDIR(st.st_mode)
    executable = is_dir or bool(st.st_mode & 0o111)
    bits = (4 | (2 if writable else 0)) | (1 if executable else 0)
    os.setxattr(path, "system.posix_acl_access", _acl(st.st_mode, uid, bits))
    if is_dir:
        os.setxattr(path, "system.posix_acl_default", _acl(0o755, uid, 7 if writable else 5))


def grant_access(root: Path, uid: int, writable: bool) -> None:
    """Let ``uid`` read (and, if ``writable``, write) everything under ``root``; a no-op when it owns ``root``.

    Read grants matter too: the host writes some files 0600 (atomic writes through ``mkstemp``), and the
    bundle and model folders mounted at ``/data`` and ``/models`` must be readable by the sandbox user.
    """
    if root.stat().st_uid == uid:
        return
    _grant(root, uid, writable)
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            _grant(Path(folder) / name, uid, writable)


def grant_mount_access(mounts: SandboxMounts, uid: int) -> None:
    """The workspace read-write, the data and model folders read-only, for the sandbox user."""
    grant_access(mounts.workspace, uid, writable=True)
    for folder in (mounts.data, mounts.models):
        if folder is not None and folder.exists():
            grant_access(folder, uid, writable=False)
