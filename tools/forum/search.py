"""Turning what a researcher types into a safe FTS5 query.

Free text is split into words and each word is quoted, so FTS5 operators and stray quotes in a query can
never cause a syntax error. A trailing ``*`` on a word keeps prefix matching.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[\w][\w'-]*\*?", re.UNICODE)
MAX_TERMS = 16


def query_terms(query: str) -> list[str]:
    terms: list[str] = []
    for match in _WORD.finditer(query):
        word = match.group(0)
        prefix = word.endswith("*")
        core = word.rstrip("*").replace('"', "")
        if core:
            terms.append(f'"{core}"' + ("*" if prefix else ""))
    return terms[:MAX_TERMS]


def fts_query(terms: list[str], match_all: bool) -> str:
    """All terms (the default, precise) or any term (the fall-back when nothing has them all)."""
    return (" AND " if match_all else " OR ").join(terms)
