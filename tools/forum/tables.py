"""The forum's SQLite schema (SQLModel tables plus an FTS5 index) and the engine that opens it.

The database is in WAL mode with a busy timeout, so a dashboard or the CLI can read it while a campaign
writes it, and several writers wait for each other instead of failing with "database is locked".
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, UniqueConstraint, event, text
from sqlmodel import Field, SQLModel, create_engine

from aar.sqlite import apply_pragmas

BUSY_TIMEOUT_S = 30.0


class PostRow(SQLModel, table=True):
    __tablename__ = "forum_post"
    __table_args__ = (UniqueConstraint("author", "step_id", name="uq_forum_post_step"),)

    id: int | None = Field(default=None, primary_key=True)
    author: str = Field(index=True)
    title: str
    body: str
    tags: str = "[]"  # JSON list of strings
    experiment_ids: str = "[]"  # JSON list of strings
    commits: str = "[]"  # JSON list of strings
    created_at: datetime
    step_id: str | None = None


class ReplyRow(SQLModel, table=True):
    __tablename__ = "forum_reply"
    __table_args__ = (UniqueConstraint("author", "step_id", name="uq_forum_reply_step"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="forum_post.id", index=True)
    author: str = Field(index=True)
    body: str
    created_at: datetime
    step_id: str | None = None


class VoteRow(SQLModel, table=True):
    __tablename__ = "forum_vote"

    post_id: int = Field(foreign_key="forum_post.id", primary_key=True)
    voter: str = Field(primary_key=True)
    value: int


class FeedCursorRow(SQLModel, table=True):
    """Where a researcher's feed stopped: the newest post and reply they have been shown."""

    __tablename__ = "forum_feed_cursor"

    researcher: str = Field(primary_key=True)
    last_post_id: int = 0
    last_reply_id: int = 0
    seen_at: datetime


FORUM_TABLES = [PostRow.__table__, ReplyRow.__table__, VoteRow.__table__, FeedCursorRow.__table__]  # type: ignore[attr-defined]

# One full-text index for posts and replies. The rowid says which: 2*post_id for a post, 2*reply_id+1 for a
# reply. Replies have an empty title; tags are indexed so that searching a tag finds its posts.
_FTS_SCHEMA = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS forum_fts USING fts5("
    "title, body, tags, tokenize='porter unicode61')"
)


def post_rowid(post_id: int) -> int:
    return 2 * post_id


def reply_rowid(reply_id: int) -> int:
    return 2 * reply_id + 1


def open_engine(path: Path) -> Engine:
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}",
                           connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        apply_pragmas(dbapi_connection, BUSY_TIMEOUT_S, foreign_keys=True)

    SQLModel.metadata.create_all(engine, tables=FORUM_TABLES)
    with engine.begin() as connection:
        connection.execute(text(_FTS_SCHEMA))
    return engine
