"""The git code store against real repositories in a temporary run folder."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import git
import pytest

from aar import RunFolder
from tools.codestore import CodeStore, CodeStoreError, PathRefused


@pytest.fixture()
def store(run_root: Path) -> CodeStore:
    return CodeStore(RunFolder(run_root))


def test_each_researcher_gets_a_branch_and_a_worktree(store: CodeStore) -> None:
    workspace = store.ensure_researcher("alice")
    assert workspace == store.run.workspace("alice")
    assert not (workspace / ".git").exists()  # no link to the host's repository inside the sandbox's folder
    assert "locked" in store.repo.git.worktree("list", "--porcelain")  # so git never prunes it
    assert [branch.name for branch in store.branches()] == ["researcher/alice"]
    assert store.ensure_researcher("alice") == workspace  # idempotent


def test_commit_records_files_and_is_idempotent_by_step_id(store: CodeStore) -> None:
    workspace = store.ensure_researcher("alice")
    (workspace / "method.py").write_text("def run(ctx):\n    return []\n")
    first = store.commit("alice", "try a method", "step-1")
    again = store.commit("alice", "try a method", "step-1")
    assert first.created and not again.created and again.sha == first.sha
    assert store.show(first.sha, "method.py").startswith("def run")
    head = store.log("alice", limit=1)[0]
    assert (head.sha, head.step_id, head.author) == (first.sha, "step-1", "alice")


def test_unchanged_tree_still_gets_its_own_commit(store: CodeStore) -> None:
    store.ensure_researcher("alice")
    first = store.commit_workspace("alice", "one", "s1")
    second = store.commit_workspace("alice", "two", "s2")
    assert first != second
    assert store.repo.commit(first).tree == store.repo.commit(second).tree


def test_deleted_files_disappear_from_the_next_commit(store: CodeStore) -> None:
    workspace = store.ensure_researcher("alice")
    (workspace / "a.txt").write_text("a")
    first = store.commit_workspace("alice", "add", "s1")
    (workspace / "a.txt").unlink()
    second = store.commit_workspace("alice", "remove", "s2")
    assert store.show(first, "") == "a.txt"
    with pytest.raises(CodeStoreError, match="does not exist"):
        store.show(second, "a.txt")


def test_big_files_nested_repositories_and_fifos_are_left_out(run_root: Path) -> None:
    store = CodeStore(RunFolder(run_root), max_file_bytes=1000)
    workspace = store.ensure_researcher("alice")
    (workspace / "big.dat").write_bytes(b"x" * 2000)
    (workspace / "small.py").write_text("ok")
    (workspace / "model.safetensors").write_bytes(b"w")  # weights are excluded by the repository
    git.Repo.init(workspace / "vendored")  # a `git init` in the workspace, with no commit
    (workspace / "vendored" / "lib.py").write_text("x")
    os.mkfifo(workspace / "pipe")
    outcome = store.commit("alice", "snapshot", "s1")
    assert sorted(outcome.skipped) == ["big.dat", "vendored"]
    assert store.show(outcome.sha, "") == "small.py"


def test_a_dot_git_made_in_the_workspace_cannot_redirect_commits(store: CodeStore) -> None:
    alice = store.ensure_researcher("alice")
    store.ensure_researcher("bob")
    bob_head = store.log("bob", 1)[0].sha
    (alice / ".git").write_text(f"gitdir: {store.path / 'worktrees' / 'bob'}\n")
    (alice / "evil.py").write_text("x")
    sha = store.commit_workspace("alice", "sneaky", "s1")
    assert store.log("bob", 1)[0].sha == bob_head
    assert store.log("alice", 1)[0].sha == sha and store.show(sha, "") == "evil.py"
    (alice / ".git").unlink()
    git.Repo.init(alice)  # a whole repository in its place
    (alice / "more.py").write_text("y")
    second = store.commit_workspace("alice", "again", "s2")
    assert store.show(second, "").splitlines() == ["evil.py", "more.py"]


def test_copy_from_another_branch_into_own_workspace(store: CodeStore) -> None:
    alice = store.ensure_researcher("alice")
    (alice / "pkg").mkdir()
    (alice / "pkg" / "a.py").write_text("A")
    (alice / "pkg" / "sub").mkdir()
    (alice / "pkg" / "sub" / "b.py").write_text("B")
    store.commit_workspace("alice", "pkg", "s1")
    bob = store.ensure_researcher("bob")
    written = store.copy("bob", "researcher/alice", "pkg", "from_alice")
    assert sorted(written) == ["from_alice/a.py", "from_alice/sub/b.py"]
    assert (bob / "from_alice" / "sub" / "b.py").read_text() == "B"
    assert store.copy("bob", "researcher/alice", "pkg/a.py", "single.py") == ["single.py"]
    with pytest.raises(PathRefused):
        store.copy("bob", "researcher/alice", "pkg/a.py", "../alice/overwritten.py")
    assert not (alice / "overwritten.py").exists()


def test_bad_refs_and_names_are_clear_errors(store: CodeStore) -> None:
    with pytest.raises(CodeStoreError, match="no commit or branch named 'nope'"):
        store.show("nope", "x")
    with pytest.raises(CodeStoreError, match="not a commit id"):
        store.show("--output=/tmp/x", "x")
    with pytest.raises(CodeStoreError, match="researcher name"):
        store.ensure_researcher("../evil")


def test_export_commit_writes_exactly_the_committed_files(store: CodeStore, tmp_path: Path) -> None:
    workspace = store.ensure_researcher("alice")
    (workspace / "m.py").write_text("v1")
    sha = store.commit_workspace("alice", "v1", "s1")
    (workspace / "m.py").write_text("v2")
    (workspace / "uncommitted.py").write_text("later")
    out = store.export_commit(sha, tmp_path / "export")
    assert sorted(os.listdir(out)) == ["m.py"]
    assert (out / "m.py").read_text() == "v1"
    with pytest.raises(CodeStoreError, match="not empty"):
        store.export_commit(sha, out)


def test_export_leaves_out_links_that_point_out_of_the_code(store: CodeStore, tmp_path: Path) -> None:
    workspace = store.ensure_researcher("alice")
    (workspace / "m.py").write_text("code")
    os.symlink("/etc/passwd", workspace / "abs_link")
    os.symlink("../../outside", workspace / "rel_link")
    os.symlink("m.py", workspace / "ok_link")
    sha = store.commit_workspace("alice", "links", "s1")
    out = store.export_commit(sha, tmp_path / "export")
    assert sorted(os.listdir(out)) == ["m.py", "ok_link"]
    assert (out / "ok_link").read_text() == "code"


def test_concurrent_commits_from_many_researchers_all_land(store: CodeStore) -> None:
    names = [f"r{i}" for i in range(4)]
    for name in names:
        store.ensure_researcher(name)
    errors: list[BaseException] = []

    def work(name: str) -> None:
        own = CodeStore(store.run)  # a store object each, as separate processes would have: the flock guards
        try:
            for step in range(5):
                (store.run.workspace(name) / f"f{step}.txt").write_text(name)
                own.commit_workspace(name, f"step {step}", f"{name}-{step}")
        except BaseException as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for name in names:
        assert len(store.log(name, limit=50)) == 6  # root + 5
    assert git.Repo(store.path).git.fsck("--no-dangling") == ""


def test_idempotency_survives_a_lost_or_lagging_step_index(store: CodeStore) -> None:
    store.ensure_researcher("alice")
    first = store.commit_workspace("alice", "one", "s1")
    second = store.commit_workspace("alice", "two", "s2")
    index = store.path.parent / "steps" / "alice.jsonl"
    index.write_text(index.read_text().splitlines()[0] + '\n{"step_id": "s2", "sh')  # a crash while writing it
    assert store.commit_workspace("alice", "two", "s2") == second
    index.unlink()  # the index lost entirely: rebuilt from the commit trailers
    assert store.commit_workspace("alice", "one", "s1") == first
    assert len(store.log("alice", limit=10)) == 3


def test_a_crashed_commit_leaves_nothing_that_blocks_the_next(store: CodeStore) -> None:
    workspace = store.ensure_researcher("alice")
    (store.path / "worktrees" / "alice" / "index.lock").write_text("")  # left by a killed git
    (workspace / "a.py").write_text("a")
    sha = store.commit_workspace("alice", "after the crash", "s1")
    assert store.show(sha, "a.py") == "a"
