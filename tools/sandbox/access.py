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

from tools.sandbox.config import SANDBOX_UID

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


def _grant(path: Path, uid: int) -> None:
    st = path.lstat()
    if stat.S_ISLNK(st.st_mode):
        return
    is_dir = stat.S_ISDIR(st.st_mode)
    executable = is_dir or bool(st.st_mode & 0o111)
    os.setxattr(path, "system.posix_acl_access", _acl(st.st_mode, uid, 7 if executable else 6))
    if is_dir:
        os.setxattr(path, "system.posix_acl_default", _acl(0o755, uid, 7))


def grant_workspace_access(workspace: Path, uid: int) -> None:
    """Let ``uid`` read and write everything under ``workspace`` (no-op when it owns the workspace)."""
    if workspace.stat().st_uid == uid:
        return
    _grant(workspace, uid)
    for root, dirs, files in os.walk(workspace):
        for name in dirs + files:
            _grant(Path(root) / name, uid)
