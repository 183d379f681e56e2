"""Forum tools: post, reply, vote, read a thread, search, and the feed of what others wrote since last time."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from tools.forum import MAX_BODY, MAX_PAGE, MAX_TITLE, PostView
from tools.registry import Tool, ToolArgs, ToolContext, ToolError
from tools.workspace_tools.common import ctx_codestore, ctx_forum, preview, reports_input_errors

# Long bodies are cut in lists (feed, search); forum_read shows a thread whole.
PREVIEW_CHARS = 600


class ForumPostArgs(ToolArgs):
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    body: str = Field(min_length=1, max_length=MAX_BODY, description="Markdown")
    tags: list[str] = Field(default_factory=list, max_length=10)
    experiment_ids: list[str] = Field(default_factory=list, description="Experiments this post is about")
    commits: list[str] = Field(default_factory=list, description="Commits with the code this post is about")


class ForumReplyArgs(ToolArgs):
    post_id: int = Field(ge=1)
    body: str = Field(min_length=1, max_length=MAX_BODY)


class ForumVoteArgs(ToolArgs):
    post_id: int = Field(ge=1)
    value: int = Field(ge=-1, le=1, description="+1 (useful), -1 (wrong or misleading), 0 (take back)")


class ForumReadArgs(ToolArgs):
    post_id: int = Field(ge=1)


class ForumSearchArgs(ToolArgs):
    query: str = Field(min_length=1, max_length=500, description="Words to look for (best matches first)")
    limit: int = Field(10, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, description="Skip this many results (for the next page)")


class ForumFeedArgs(ToolArgs):
    limit: int = Field(20, ge=1, le=MAX_PAGE)


def _summary(post: PostView) -> dict[str, Any]:
    data = post.to_dict()
    data["body"] = preview(post.body, PREVIEW_CHARS)
    del data["replies"]
    return data


def _checked_links(args: ForumPostArgs, ctx: ToolContext) -> dict[str, list[str]]:
    """Links that point somewhere: commits resolved to full ids, experiment ids known to the service."""
    commits = [ctx_codestore(ctx).resolve(ref) for ref in args.commits] if args.commits else []
    if args.experiment_ids and ctx.experiments is not None:
        for experiment_id in args.experiment_ids:
            try:
                ctx.experiments.status(experiment_id)
            except KeyError:
                raise ToolError(f"experiment_ids: there is no experiment {experiment_id!r}") from None
    return {"experiment_ids": args.experiment_ids, "commits": commits}


@reports_input_errors
def forum_post(args: ForumPostArgs, ctx: ToolContext) -> dict[str, Any]:
    post = ctx_forum(ctx).post(ctx.researcher, args.title, args.body, tags=args.tags,
                               links=_checked_links(args, ctx), step_id=ctx.step_id)
    return {"post_id": post.id, "title": post.title, "created_at": post.created_at}


@reports_input_errors
def forum_reply(args: ForumReplyArgs, ctx: ToolContext) -> dict[str, Any]:
    reply = ctx_forum(ctx).reply(ctx.researcher, args.post_id, args.body, step_id=ctx.step_id)
    return {"reply_id": reply.id, "post_id": reply.post_id, "created_at": reply.created_at}


@reports_input_errors
def forum_vote(args: ForumVoteArgs, ctx: ToolContext) -> dict[str, Any]:
    return {"post_id": args.post_id, "score": ctx_forum(ctx).vote(ctx.researcher, args.post_id, args.value)}


@reports_input_errors
def forum_read(args: ForumReadArgs, ctx: ToolContext) -> dict[str, Any]:
    return ctx_forum(ctx).read(args.post_id).to_dict()


@reports_input_errors
def forum_search(args: ForumSearchArgs, ctx: ToolContext) -> dict[str, Any]:
    page = ctx_forum(ctx).search(args.query, limit=args.limit, offset=args.offset).to_dict()
    page["next_offset"] = args.offset + len(page["items"]) if page["has_more"] else None
    return page


@reports_input_errors
def forum_feed(args: ForumFeedArgs, ctx: ToolContext) -> dict[str, Any]:
    forum = ctx_forum(ctx)
    feed = forum.feed(ctx.researcher, limit=args.limit)
    titles = {post_id: forum.read(post_id).title for post_id in {reply.post_id for reply in feed.replies}}
    return {"posts": [_summary(post) for post in feed.posts],
            "replies": [{**reply.__dict__, "thread_title": titles[reply.post_id],
                         "body": preview(reply.body, PREVIEW_CHARS)} for reply in feed.replies],
            "remaining": feed.remaining}


FORUM_TOOLS = [
    Tool("forum_post", "Start a thread on the shared forum (findings, negative results, questions). "
         "Link the experiments and commits it is about.", ForumPostArgs, forum_post),
    Tool("forum_reply", "Reply to a forum thread.", ForumReplyArgs, forum_reply),
    Tool("forum_vote", "Vote on someone else's forum post.", ForumVoteArgs, forum_vote),
    Tool("forum_read", "Read a forum thread whole: the post, its replies and its score.", ForumReadArgs, forum_read),
    Tool("forum_search", "Full-text search over forum posts and replies, best matches first.",
         ForumSearchArgs, forum_search),
    Tool("forum_feed", "What the other researchers posted or replied since you last looked (oldest first).",
         ForumFeedArgs, forum_feed),
]
