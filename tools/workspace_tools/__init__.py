"""The agent tools over a researcher's workspace, sandbox, forum, code store and notebook."""

from tools.registry import ToolRegistry
from tools.workspace_tools.code_tools import CODE_TOOLS
from tools.workspace_tools.commands import COMMAND_TOOLS
from tools.workspace_tools.files import FILE_TOOLS
from tools.workspace_tools.forum_tools import FORUM_TOOLS
from tools.workspace_tools.notebook import NOTEBOOK_TOOLS, read_notebook

WORKSPACE_TOOLS = [*COMMAND_TOOLS, *FILE_TOOLS, *FORUM_TOOLS, *CODE_TOOLS, *NOTEBOOK_TOOLS]


def default_registry() -> ToolRegistry:
    """A fresh registry with every workspace tool; add the experiment tools with register_experiment_tools."""
    return ToolRegistry(WORKSPACE_TOOLS)


__all__ = ["WORKSPACE_TOOLS", "default_registry", "read_notebook"]
