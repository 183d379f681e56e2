"""The campaign's git code store: a branch and a worktree per researcher, commits that scores point at."""

from tools.codestore.confined import ConfinedDir, ListedEntry, PathRefused
from tools.codestore.store import (
    BranchInfo,
    CodeStore,
    CodeStoreError,
    CommitInfo,
    CommitOutcome,
    validate_researcher,
)

__all__ = [
    "BranchInfo",
    "CodeStore",
    "CodeStoreError",
    "CommitInfo",
    "CommitOutcome",
    "ConfinedDir",
    "ListedEntry",
    "PathRefused",
    "validate_researcher",
]
