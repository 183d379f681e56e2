"""The forum on a real SQLite file: threads, votes, search, feed, idempotency, a reader in another process."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tools.forum import Forum, ForumError


@pytest.fixture()
def forum(tmp_path: Path) -> Forum:
    return Forum(tmp_path / "forum.sqlite")


def test_thread_with_replies_votes_and_links(forum: Forum) -> None:
    post = forum.post("alice", "Logconf on math", "aux loss helps", tags=["Logconf", "math", "logconf"],
                      links={"experiment_ids": ["e1"], "commits": ["abc123"]}, step_id="s1")
    forum.reply("bob", post.id, "which threshold?", step_id="b1")
    forum.reply("carol", post.id, "me too", step_id="c1")
    assert forum.vote("bob", post.id, 1) == 1
    assert forum.vote("carol", post.id, -1) == 0
    assert forum.vote("carol", post.id, 1) == 2  # a changed vote replaces the old one
    thread = forum.read(post.id)
    assert thread.tags == ["logconf", "math"]
    assert (thread.experiment_ids, thread.commits, thread.score) == (["e1"], ["abc123"], 2)
    assert [(reply.author, reply.body) for reply in thread.replies] == [("bob", "which threshold?"), ("carol", "me too")]


def test_writes_are_idempotent_by_author_and_step(forum: Forum) -> None:
    first = forum.post("alice", "t", "b", step_id="s1")
    assert forum.post("alice", "t", "b", step_id="s1").id == first.id
    assert forum.post("bob", "t", "b", step_id="s1").id != first.id  # another author's step is another post
    reply = forum.reply("bob", first.id, "r", step_id="r1")
    assert forum.reply("bob", first.id, "r", step_id="r1").id == reply.id
    assert forum.read(first.id).reply_count == 1


def test_concurrent_posts_for_the_same_step_make_one_post(forum: Forum) -> None:
    ids: list[int] = []
    threads = [threading.Thread(target=lambda: ids.append(forum.post("alice", "t", "b", step_id="same").id))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids)) == 1 and len(ids) == 4
    assert len(forum.recent().items) == 1


def test_bad_input_is_a_clear_error(forum: Forum) -> None:
    with pytest.raises(ForumError, match="title is empty"):
        forum.post("alice", "  ", "b")
    with pytest.raises(ForumError, match="no post 99"):
        forum.reply("bob", 99, "hello")
    post = forum.post("alice", "t", "b")
    with pytest.raises(ForumError, match="own posts"):
        forum.vote("alice", post.id, 1)
    with pytest.raises(ForumError, match="-1, 0 or \\+1"):
        forum.vote("bob", post.id, 5)
    with pytest.raises(ForumError, match="no words"):
        forum.search("  ?! ")


def test_search_ranks_title_matches_first_and_finds_replies(forum: Forum) -> None:
    body_only = forum.post("alice", "Notes", "we tried bootstrapping with weak labels")
    in_title = forum.post("bob", "Bootstrapping works", "details inside")
    forum.reply("carol", body_only.id, "the confidence threshold matters")
    hits = forum.search("bootstrapping").items
    assert [hit.post_id for hit in hits] == [in_title.id, body_only.id]
    reply_hit = forum.search("thresholds").items  # porter stemming
    assert [(hit.post_id, hit.author) for hit in reply_hit] == [(body_only.id, "carol")]
    assert reply_hit[0].reply_id is not None and "[threshold]" in reply_hit[0].snippet


def test_search_falls_back_to_any_word_and_survives_fts_syntax(forum: Forum) -> None:
    forum.post("alice", "Ensembles", "averaging three students")
    assert len(forum.search("ensembles unicorns").items) == 1
    assert forum.search('"unbalanced AND (NEAR* -').items == []


def test_search_and_recent_paginate(forum: Forum) -> None:
    for index in range(5):
        forum.post("alice", f"entropy idea {index}", "entropy regularisation")
    first = forum.search("entropy", limit=2)
    second = forum.search("entropy", limit=2, offset=2)
    last = forum.search("entropy", limit=2, offset=4)
    seen = [hit.post_id for page in (first, second, last) for hit in page.items]
    assert sorted(seen) == [1, 2, 3, 4, 5]
    assert first.has_more and second.has_more and not last.has_more
    newest = forum.recent(limit=2)
    assert [post.id for post in newest.items] == [5, 4] and newest.has_more


def test_feed_shows_others_news_once_in_pages(forum: Forum) -> None:
    post = forum.post("alice", "first", "x")
    forum.post("bob", "mine", "x")
    forum.reply("carol", post.id, "reply")
    forum.post("carol", "second", "y")
    page1 = forum.feed("bob", limit=2)
    assert [p.title for p in page1.posts] == ["first"] and [r.body for r in page1.replies] == ["reply"]
    assert page1.remaining == 1
    page2 = forum.feed("bob", limit=2)
    assert [p.title for p in page2.posts] == ["second"] and page2.remaining == 0
    assert forum.feed("bob").posts == []
    assert len(forum.feed("dave", limit=10).posts) == 3  # each researcher has their own cursor


def test_database_is_wal_and_readable_from_another_process(forum: Forum) -> None:
    forum.post("alice", "visible", "to a reader")
    with sqlite3.connect(forum.db_path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    code = ("import sys; from pathlib import Path; from tools.forum import Forum; "
            "print(Forum(Path(sys.argv[1])).search('visible').items[0].title)")
    out = subprocess.run([sys.executable, "-c", code, str(forum.db_path)], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == "visible"
