"""The default registry offers the workspace tools named in docs/contracts.md, through the `tools` surface."""

from __future__ import annotations

import tools

CONTRACT_TOOLS = {
    "run_command": {"command", "timeout_s"}, "read_file": {"path"}, "write_file": {"path", "content"},
    "edit_file": {"path", "old", "new"}, "list_files": {"path"},
    "forum_post": {"title", "body", "tags", "experiment_ids", "commits"}, "forum_reply": {"post_id", "body"},
    "forum_vote": {"post_id", "value"}, "forum_read": {"post_id"}, "forum_search": {"query", "limit", "offset"},
    "forum_feed": {"limit"}, "code_branches": set(), "code_log": {"branch", "limit"}, "code_show": {"ref", "path"},
    "code_diff": {"ref", "base"},
    "code_copy": {"ref", "src", "dst"}, "notebook_read": set(), "notebook_write": {"content", "mode"},
}


def test_default_registry_matches_the_contract() -> None:
    schemas = {schema["name"]: schema for schema in tools.default_registry().schemas()}
    assert set(schemas) == set(CONTRACT_TOOLS)
    for name, arguments in CONTRACT_TOOLS.items():
        assert set(schemas[name]["input_schema"]["properties"]) == arguments, name
        assert schemas[name]["description"]


def test_each_call_gets_a_fresh_registry() -> None:
    first, second = tools.default_registry(), tools.default_registry()
    first.register(tools.Tool("extra", "x", tools.ToolArgs, lambda args, ctx: "x"))
    assert "extra" in first and "extra" not in second
