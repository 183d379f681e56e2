"""What a researcher works with: sandboxes, code store, forum, scorer, experiments, the agent tool registry.

The main entry points of the code store, forum and tool registry are importable from here; they load on first
use, so that ``import tools.sandbox`` or ``tools.scorer`` does not pay for git and SQLModel. The sandbox,
scorer and experiments packages expose their own surfaces (``tools.sandbox`` ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aar.lazy import lazy_exports

if TYPE_CHECKING:
    from tools.codestore import CodeStore, CodeStoreError
    from tools.forum import Forum, ForumError
    from tools.registry import Tool, ToolArgs, ToolContext, ToolError, ToolRegistry, ToolResult
    from tools.workspace_tools import default_registry

_EXPORTS = {
    "CodeStore": "tools.codestore",
    "CodeStoreError": "tools.codestore",
    "Forum": "tools.forum",
    "ForumError": "tools.forum",
    "Tool": "tools.registry",
    "ToolArgs": "tools.registry",
    "ToolContext": "tools.registry",
    "ToolError": "tools.registry",
    "ToolRegistry": "tools.registry",
    "ToolResult": "tools.registry",
    "default_registry": "tools.workspace_tools",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

