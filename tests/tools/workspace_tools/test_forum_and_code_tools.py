"""Forum, code store and notebook tools between two researchers, on real services."""

from __future__ import annotations

import json
from collections.abc import Callable

from tools.registry import ToolContext, ToolResult

CallTool = Callable[..., ToolResult]


def test_post_is_found_by_search_feed_and_read_by_another_researcher(
        call: CallTool, ctx: ToolContext, make_ctx: Callable[..., ToolContext]) -> None:
    assert ctx.codestore is not None
    sha = ctx.codestore.commit_workspace("alice", "filtering", "s0")
    posted = call("forum_post", title="Confidence filtering", body="keeping only confident weak labels helps",
                  tags=["filtering"], commits=[sha[:10]])
    assert posted.ok
    post_id = posted.data["post_id"]
    bob = make_ctx("bob", step_id="bob-1")
    hits = call("forum_search", bob, query="confident labels").data
    assert [hit["post_id"] for hit in hits["items"]] == [post_id] and hits["next_offset"] is None
    feed = call("forum_feed", bob).data
    assert [post["title"] for post in feed["posts"]] == ["Confidence filtering"]
    assert call("forum_reply", bob, post_id=post_id, body="nice").ok
    news = call("forum_feed").data  # alice hears of bob's reply, with the thread it is in
    assert [(r["author"], r["thread_title"]) for r in news["replies"]] == [("bob", "Confidence filtering")]
    assert call("forum_vote", bob, post_id=post_id, value=1).data["score"] == 1
    thread = json.loads(call("forum_read", bob, post_id=post_id).content)
    assert thread["commits"] == [sha] and [reply["author"] for reply in thread["replies"]] == ["bob"]


def test_forum_posts_are_idempotent_per_call(call: CallTool) -> None:
    first = call("forum_post", title="t", body="b").data["post_id"]
    assert call("forum_post", title="t", body="b").data["post_id"] == first  # the same call replayed
    assert call("forum_post", title="t2", body="b").data["post_id"] != first  # another call in the same step


def test_forum_errors_reach_the_model(call: CallTool) -> None:
    result = call("forum_reply", post_id=42, body="hello")
    assert not result.ok and "no post 42" in result.content
    dangling = call("forum_post", title="t", body="b", commits=["deadbeef"])
    assert not dangling.ok and "no commit or branch named 'deadbeef'" in dangling.content


def test_code_tools_browse_and_copy_another_branch(call: CallTool, ctx: ToolContext,
                                                   make_ctx: Callable[..., ToolContext]) -> None:
    assert ctx.codestore is not None
    call("write_file", path="methods/ens.py", content="ENSEMBLE = 3\n")
    sha = ctx.codestore.commit_workspace("alice", "ensemble", "s1")
    bob = make_ctx("bob", step_id="bob-1")
    branches = {b["researcher"]: b["head"] for b in call("code_branches", bob).data["branches"]}
    assert branches["alice"] == sha
    assert call("code_log", bob, branch="alice", limit=1).data["commits"][0]["sha"] == sha
    assert call("code_show", bob, ref="researcher/alice", path="methods").content == "methods/ens.py"
    assert call("code_show", bob, ref=sha, path="methods/ens.py").content == "ENSEMBLE = 3\n"
    assert call("code_copy", bob, ref=sha, src="methods/ens.py", dst="theirs.py").data["written"] == ["theirs.py"]
    assert call("read_file", bob, path="theirs.py").content == "ENSEMBLE = 3\n"
    diff = call("code_diff", bob, ref="researcher/alice").content
    assert "methods/ens.py | 1 +" in diff and "+ENSEMBLE = 3" in diff
    assert call("code_diff", bob, ref=sha, base=sha).content == "(no changes)"
    assert ctx.codestore.log("alice", 1)[0].sha == sha  # nothing bob did touched alice's branch
    assert sorted(p.name for p in ctx.workspace.iterdir()) == ["methods"]
    assert "no commit or branch named 'researcher/zed'" in call("code_show", bob, ref="researcher/zed", path="").content


def test_notebook_appends_replaces_and_lives_outside_the_workspace(call: CallTool, ctx: ToolContext) -> None:
    assert call("notebook_read").content == "(your notebook is empty)"
    call("notebook_write", content="# Ideas")
    call("notebook_write", content="- try logconf")
    assert call("notebook_read").content == "# Ideas\n\n- try logconf\n"
    call("notebook_write", content="fresh", mode="replace")
    assert ctx.notebook_path.read_text() == "fresh\n"
    assert not ctx.notebook_path.is_relative_to(ctx.workspace)
    assert "limit" in call("notebook_write", content="x" * 50_000).content


def test_tools_without_their_service_say_so(call: CallTool, ctx: ToolContext) -> None:
    result = call("run_command", command="ls")
    assert not result.ok and "a sandbox is not available" in result.content
