"""The researchers' forum on SQLite: posts, replies, votes, FTS5 search, a feed of what is new."""

from tools.forum.forum import Feed, Forum, ForumError, Page, PostView, ReplyView, SearchHit

__all__ = ["Feed", "Forum", "ForumError", "Page", "PostView", "ReplyView", "SearchHit"]
