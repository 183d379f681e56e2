"""Per-researcher bearer tokens and the admin token.

The database holds only SHA-256 hashes. The plaintext lives in one file, ``RUN/scorer/tokens.json`` (mode
0600, inside the 0700 scorer folder, which is never mounted into a sandbox): the orchestrator reads it to
submit on a researcher's behalf, and the human reads the admin token from it.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from aar import ConfigError, RunFolder, write_atomic
from tools.scorer.db import Database, ensure_private_dir

TOKENS_FILE = "tokens.json"
ADMIN = "admin"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

Role = Literal["researcher", "admin"]


@dataclass(frozen=True)
class Principal:
    name: str
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def tokens_path(run: RunFolder) -> Path:
    return run.scorer_dir / TOKENS_FILE


def load_tokens(run: RunFolder) -> dict[str, str]:
    """Every plaintext token issued in this run: researcher name -> token, plus ``"admin"``."""
    path = tokens_path(run)
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ConfigError(f"{path}: not readable JSON: {error}") from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ConfigError(f"{path}: expected a mapping of names to tokens")
    return dict(data)


def issue_tokens(run: RunFolder, researchers: list[str]) -> dict[str, str]:
    """Tokens for ``researchers`` plus ``"admin"``; names issued before keep their token (idempotent)."""
    for name in researchers:
        if name == ADMIN or not _NAME.match(name):
            raise ConfigError(
                f"researcher name {name!r}: expected letters, digits, '_', '.', '-' (at most 64, not 'admin')"
            )
    ensure_private_dir(run)
    tokens = load_tokens(run)
    wanted = [ADMIN, *researchers]
    fresh = {name: secrets.token_urlsafe(32) for name in wanted if name not in tokens}
    if fresh:
        tokens.update(fresh)
        write_atomic(tokens_path(run), json.dumps(tokens, indent=2) + "\n", mode=0o600)
    database = Database.for_run(run)
    try:
        now = time.time()

        def store(conn: sqlite3.Connection) -> None:
            for name in wanted:
                role = "admin" if name == ADMIN else "researcher"
                conn.execute(
                    "INSERT INTO tokens (token_hash, principal, role, created_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (principal) DO UPDATE SET token_hash = excluded.token_hash",
                    (hash_token(tokens[name]), name, role, now),
                )

        database.write(store)
    finally:
        database.close()
    return {name: tokens[name] for name in wanted}


def authenticate_hash(database: Database, token_hash: str) -> Principal | None:
    rows = database.query("SELECT principal, role FROM tokens WHERE token_hash = ?", (token_hash,))
    if not rows:
        return None
    return Principal(name=rows[0]["principal"], role=rows[0]["role"])
