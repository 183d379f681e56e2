"""What a researcher works with: sandboxes, code store, forum, scorer, experiments, the agent tool registry.

The sandbox, scorer and experiments packages expose their own surfaces (``tools.sandbox`` ...).
"""

from tools.codestore import CodeStore, CodeStoreError
from tools.forum import Forum, ForumError
from tools.registry import Tool, ToolArgs, ToolContext, ToolError, ToolRegistry, ToolResult
from tools.workspace_tools import default_registry

__all__ = [
    "CodeStore",
    "CodeStoreError",
    "Forum",
    "ForumError",
    "Tool",
    "ToolArgs",
    "ToolContext",
    "ToolError",
    "ToolRegistry",
    "ToolResult",
    "default_registry",
]
