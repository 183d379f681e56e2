"""The researchers' forum on SQLite: posts, replies, votes, FTS5 search, a feed of what is new."""

from tools.forum.forum import MAX_BODY, MAX_PAGE, MAX_TITLE, Feed, Forum, ForumError, Page, PostView, ReplyView, SearchHit

__all__ = ["MAX_BODY", "MAX_PAGE", "MAX_TITLE", "Feed", "Forum", "ForumError", "Page", "PostView", "ReplyView", "SearchHit"]
