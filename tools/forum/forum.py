"""The researchers' forum: posts, replies, votes, full-text search and a per-researcher feed.

Writes are idempotent by ``(author, step_id)``: repeating a step after a crash returns the post or reply
it already wrote instead of writing a second one.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from aar import get_logger
from tools.forum.search import fts_query, query_terms
from tools.forum.tables import FeedCursorRow, PostRow, ReplyRow, VoteRow, open_engine, post_rowid, reply_rowid

log = get_logger(__name__)

MAX_TITLE = 200
MAX_BODY = 20_000
MAX_TAGS = 10
MAX_TAG = 40
MAX_PAGE = 100


# One statement: rank in the FTS index, then join each hit to its thread (rowid 2*id: post, 2*id+1: reply).
_SEARCH_SQL = text("""
WITH hits AS (
    SELECT rowid, bm25(forum_fts, 4.0, 1.0, 2.0) AS rank, snippet(forum_fts, -1, '[', ']', '...', 20) AS snip
    FROM forum_fts WHERE forum_fts MATCH :query ORDER BY rank LIMIT :limit OFFSET :offset)
SELECT hits.rank, hits.snip, p.id AS post_id, r.id AS reply_id, p.title,
       COALESCE(r.author, p.author) AS author, COALESCE(r.created_at, p.created_at) AS created_at
FROM hits
LEFT JOIN forum_reply r ON hits.rowid % 2 = 1 AND r.id = hits.rowid / 2
JOIN forum_post p ON p.id = CASE WHEN hits.rowid % 2 = 1 THEN r.post_id ELSE hits.rowid / 2 END
ORDER BY hits.rank
""")


class ForumError(ValueError):
    """Bad input (empty title, unknown post, ...); the message says what."""


@dataclass(frozen=True)
class ReplyView:
    id: int
    post_id: int
    author: str
    body: str
    created_at: str


@dataclass(frozen=True)
class PostView:
    id: int
    author: str
    title: str
    body: str
    tags: list[str]
    experiment_ids: list[str]
    commits: list[str]
    created_at: str
    score: int
    reply_count: int
    replies: list[ReplyView]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SearchHit:
    post_id: int
    reply_id: int | None  # set when the match is in a reply
    title: str  # the thread's title
    author: str  # who wrote the matching text
    snippet: str
    created_at: str
    rank: float  # bm25: lower is a better match


@dataclass(frozen=True)
class Page:
    items: list[Any]
    offset: int
    has_more: bool

    def to_dict(self) -> dict[str, Any]:
        return {"items": [asdict(item) for item in self.items], "offset": self.offset, "has_more": self.has_more}


@dataclass(frozen=True)
class Feed:
    posts: list[PostView]  # new threads (without their replies)
    replies: list[ReplyView]  # new replies on any thread
    remaining: int  # new items not shown yet (call again to see them)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC).isoformat() if moment.tzinfo is None else moment.isoformat()


def _clean_text(value: str, what: str, limit: int) -> str:
    value = value.strip()
    if not value:
        raise ForumError(f"{what} is empty")
    if len(value) > limit:
        raise ForumError(f"{what} has {len(value)} characters; the limit is {limit}")
    return value


def _clean_tags(tags: list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(tag.strip().lower() for tag in tags if tag.strip()))
    if len(cleaned) > MAX_TAGS:
        raise ForumError(f"{len(cleaned)} tags given; at most {MAX_TAGS}")
    for tag in cleaned:
        if len(tag) > MAX_TAG:
            raise ForumError(f"tag '{tag[:50]}' is longer than {MAX_TAG} characters")
    return cleaned


def _page_size(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise ForumError(f"limit must be between 1 and {MAX_PAGE}, got {limit}")
    return limit


class Forum:
    def __init__(self, db_path: Path) -> None:
        self.db_path = Path(db_path)
        self.engine = open_engine(self.db_path)

    def close(self) -> None:
        self.engine.dispose()

    # -- writing -------------------------------------------------------------------------------------
    def post(self, author: str, title: str, body: str, tags: list[str] | None = None,
             links: dict[str, list[str]] | None = None, step_id: str | None = None) -> PostView:
        """A new thread. ``links`` may hold ``experiment_ids`` and ``commits``."""
        links = links or {}
        unknown = set(links) - {"experiment_ids", "commits"}
        if unknown:
            raise ForumError(f"unknown link kinds {sorted(unknown)}; use experiment_ids and commits")
        clean_tags = _clean_tags(tags or [])
        row = PostRow(author=author, title=_clean_text(title, "title", MAX_TITLE),
                      body=_clean_text(body, "body", MAX_BODY), tags=json.dumps(clean_tags),
                      experiment_ids=json.dumps(list(links.get("experiment_ids", []))),
                      commits=json.dumps(list(links.get("commits", []))), created_at=_now(), step_id=step_id)
        post_id, created = self._insert_once(row, PostRow, author, step_id,
                                             lambda new: (post_rowid(new), row.title, row.body, " ".join(clean_tags)))
        if not created:
            return self.read(post_id)
        return PostView(id=post_id, author=author, title=row.title, body=row.body, tags=clean_tags,
                        experiment_ids=json.loads(row.experiment_ids), commits=json.loads(row.commits),
                        created_at=_iso(row.created_at), score=0, reply_count=0, replies=[])

    def reply(self, author: str, post_id: int, body: str, step_id: str | None = None) -> ReplyView:
        self._require_post(post_id)
        row = ReplyRow(post_id=post_id, author=author, body=_clean_text(body, "reply body", MAX_BODY),
                       created_at=_now(), step_id=step_id)
        reply_id, created = self._insert_once(row, ReplyRow, author, step_id,
                                              lambda new: (reply_rowid(new), "", row.body, ""))
        if created:
            return ReplyView(id=reply_id, post_id=post_id, author=author, body=row.body,
                             created_at=_iso(row.created_at))
        with Session(self.engine) as session:
            stored = session.get(ReplyRow, reply_id)
            if stored is None:
                raise ForumError(f"reply {reply_id} vanished")
            return _reply_view(stored)

    def _insert_once(self, row: PostRow | ReplyRow, table: type[PostRow] | type[ReplyRow], author: str,
                     step_id: str | None, fts_values: Any) -> tuple[int, bool]:
        """Insert ``row`` and its FTS entry in one transaction -> (id, True), or (the step's earlier id, False)."""
        if step_id is not None:
            existing = self._find_step(table, author, step_id)
            if existing is not None:
                return existing, False
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                session.add(row)
                session.flush()
                if row.id is None:
                    raise ForumError("the database assigned no id")
                new_id = row.id
                session.connection().execute(
                    text("INSERT INTO forum_fts(rowid, title, body, tags) VALUES (:rowid, :title, :body, :tags)"),
                    dict(zip(("rowid", "title", "body", "tags"), fts_values(new_id), strict=True)))
                session.commit()
                return new_id, True
        except IntegrityError:
            existing = self._find_step(table, author, step_id) if step_id is not None else None
            if existing is None:
                raise
            return existing, False  # a concurrent call for the same step won the race

    def _find_step(self, table: type[PostRow] | type[ReplyRow], author: str, step_id: str) -> int | None:
        with Session(self.engine) as session:
            return session.exec(select(table.id).where(table.author == author, table.step_id == step_id)).first()

    def vote(self, voter: str, post_id: int, value: int) -> int:
        """+1, -1, or 0 to take a vote back; one vote per researcher and post. Returns the post's new score."""
        if value not in (-1, 0, 1):
            raise ForumError(f"a vote is -1, 0 or +1, got {value}")
        post = self._require_post(post_id)
        if post.author == voter:
            raise ForumError("researchers cannot vote on their own posts")
        with Session(self.engine) as session:
            session.connection().execute(
                text("INSERT INTO forum_vote(post_id, voter, value) VALUES (:post, :voter, :value) "
                     "ON CONFLICT(post_id, voter) DO UPDATE SET value = excluded.value"),
                {"post": post_id, "voter": voter, "value": value})
            session.commit()
            return self._score(session, post_id)

    # -- reading -------------------------------------------------------------------------------------
    def _require_post(self, post_id: int) -> PostRow:
        with Session(self.engine) as session:
            post = session.get(PostRow, post_id)
        if post is None:
            raise ForumError(f"there is no post {post_id}")
        return post

    @staticmethod
    def _score(session: Session, post_id: int) -> int:
        total = session.exec(select(func.coalesce(func.sum(VoteRow.value), 0))
                             .where(VoteRow.post_id == post_id)).one()
        return int(total)

    def _post_view(self, session: Session, post: PostRow, with_replies: bool) -> PostView:
        assert post.id is not None
        replies = session.exec(select(ReplyRow).where(ReplyRow.post_id == post.id).order_by(col(ReplyRow.id))).all()
        return PostView(id=post.id, author=post.author, title=post.title, body=post.body, tags=json.loads(post.tags),
                        experiment_ids=json.loads(post.experiment_ids), commits=json.loads(post.commits),
                        created_at=_iso(post.created_at), score=self._score(session, post.id),
                        reply_count=len(replies), replies=[_reply_view(r) for r in replies] if with_replies else [])

    def read(self, post_id: int) -> PostView:
        """A thread: the post, its replies oldest first, and its vote score."""
        with Session(self.engine) as session:
            post = session.get(PostRow, post_id)
            if post is None:
                raise ForumError(f"there is no post {post_id}")
            return self._post_view(session, post, with_replies=True)

    def recent(self, limit: int = 20, offset: int = 0, author: str | None = None, tag: str | None = None) -> Page:
        """Threads newest first, optionally only one author's or one tag's."""
        limit = _page_size(limit)
        statement = select(PostRow).order_by(col(PostRow.id).desc())
        if author is not None:
            statement = statement.where(PostRow.author == author)
        if tag is not None:
            statement = statement.where(col(PostRow.tags).contains(json.dumps(tag.strip().lower())))
        with Session(self.engine) as session:
            rows = session.exec(statement.offset(max(offset, 0)).limit(limit + 1)).all()
            views = [self._post_view(session, row, with_replies=False) for row in rows[:limit]]
        return Page(items=views, offset=offset, has_more=len(rows) > limit)

    def search(self, query: str, limit: int = 10, offset: int = 0) -> Page:
        """Posts and replies matching all words of ``query`` (any word if none match all), best first by bm25."""
        limit = _page_size(limit)
        terms = query_terms(query)
        if not terms:
            raise ForumError(f"the search query {query!r} has no words to look for")
        with self.engine.connect() as connection:
            rows: list[Any] = []
            for match_all in (True, False) if len(terms) > 1 else (True,):
                rows = list(connection.execute(_SEARCH_SQL, {
                    "query": fts_query(terms, match_all), "limit": limit + 1, "offset": max(offset, 0)}))
                if rows:
                    break
        hits = [SearchHit(post_id=row.post_id, reply_id=row.reply_id, title=row.title, author=row.author,
                          snippet=row.snip, created_at=_iso(datetime.fromisoformat(row.created_at)),
                          rank=float(row.rank)) for row in rows[:limit]]
        return Page(items=hits, offset=offset, has_more=len(rows) > limit)

    def feed(self, researcher: str, limit: int = 20) -> Feed:
        """What others wrote since this researcher last looked, oldest first; showing it moves the cursor."""
        limit = _page_size(limit)
        with Session(self.engine) as session:
            cursor = session.get(FeedCursorRow, researcher) or FeedCursorRow(researcher=researcher, seen_at=_now())
            posts = session.exec(select(PostRow).where(col(PostRow.id) > cursor.last_post_id,
                                                       PostRow.author != researcher)
                                 .order_by(col(PostRow.id)).limit(limit)).all()
            replies = session.exec(select(ReplyRow).where(col(ReplyRow.id) > cursor.last_reply_id,
                                                          ReplyRow.author != researcher)
                                   .order_by(col(ReplyRow.id)).limit(limit)).all()
            merged = sorted([*posts, *replies], key=lambda row: row.created_at)[:limit]
            # Prefixes in id order, so that moving a cursor past an item never skips an older one.
            shown_posts = posts[:sum(isinstance(row, PostRow) for row in merged)]
            shown_replies = replies[:sum(isinstance(row, ReplyRow) for row in merged)]
            cursor.last_post_id = max([cursor.last_post_id, *(row.id or 0 for row in shown_posts)])
            cursor.last_reply_id = max([cursor.last_reply_id, *(row.id or 0 for row in shown_replies)])
            cursor.seen_at = _now()
            remaining = self._unseen(session, researcher, cursor)
            feed = Feed(posts=[self._post_view(session, row, with_replies=False) for row in shown_posts],
                        replies=[_reply_view(row) for row in shown_replies], remaining=remaining)
            # An upsert that never moves a cursor back: two feed calls at once cannot collide or lose news.
            session.connection().execute(text(
                "INSERT INTO forum_feed_cursor(researcher, last_post_id, last_reply_id, seen_at) "
                "VALUES (:researcher, :post, :reply, :seen) ON CONFLICT(researcher) DO UPDATE SET "
                "last_post_id = max(last_post_id, excluded.last_post_id), "
                "last_reply_id = max(last_reply_id, excluded.last_reply_id), seen_at = excluded.seen_at"),
                {"researcher": researcher, "post": cursor.last_post_id, "reply": cursor.last_reply_id,
                 "seen": cursor.seen_at.replace(tzinfo=None).isoformat(sep=" ")})
            session.commit()
        return feed

    @staticmethod
    def _unseen(session: Session, researcher: str, cursor: FeedCursorRow) -> int:
        new_posts = session.exec(select(func.count()).select_from(PostRow).where(
            col(PostRow.id) > cursor.last_post_id, PostRow.author != researcher)).one()
        new_replies = session.exec(select(func.count()).select_from(ReplyRow).where(
            col(ReplyRow.id) > cursor.last_reply_id, ReplyRow.author != researcher)).one()
        return int(new_posts) + int(new_replies)


def _reply_view(row: ReplyRow) -> ReplyView:
    assert row.id is not None
    return ReplyView(id=row.id, post_id=row.post_id, author=row.author, body=row.body, created_at=_iso(row.created_at))
