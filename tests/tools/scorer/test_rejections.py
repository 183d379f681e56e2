"""Every rejection path gets a 4xx with a clear message, and nothing is recorded as a score."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import numpy as np
import pytest

from tools.scorer.models import API

from .conftest import N_TEST, Scorer, submission


def _good(experiment_id: str, researcher: str = "alice") -> dict[str, object]:
    return submission(researcher, np.full(N_TEST, 0.7).tolist(), experiment_id)


def _with(**changes: object) -> str:
    body = _good("rejected-experiment")
    body.update(changes)
    return json.dumps(body)


def _nan_body(token: str) -> str:
    text = _with(probs=[0.5] * N_TEST)
    return text.replace("0.5", token, 1)


CASES = [
    # (name, body text, token owner, expected status, words the message must contain)
    ("wrong length", _with(probs=[0.5] * (N_TEST - 1)), "alice", 422, f"expected {N_TEST} probabilities"),
    ("NaN", _nan_body("NaN"), "alice", 422, "finite"),
    ("infinity", _nan_body("Infinity"), "alice", 422, "finite"),
    ("overflowing number", _nan_body("1e999"), "alice", 422, "finite"),
    ("value above 1", _with(probs=[1.5] + [0.5] * (N_TEST - 1)), "alice", 422, "outside [0, 1]"),
    ("negative value", _with(probs=[0.5] * (N_TEST - 1) + [-0.01]), "alice", 422, "outside [0, 1]"),
    ("unknown task", _with(task="no_such_task"), "alice", 404, "unknown task 'no_such_task'"),
    ("train_label split", _with(split="train_label"), "alice", 422, "'train_label' is never scored"),
    ("train_unlabel split", _with(split="train_unlabel"), "alice", 422, "'train_unlabel' is never scored"),
    ("unknown split", _with(split="validation"), "alice", 422, "unknown split"),
    ("malformed JSON", _with()[:-5], "alice", 400, "malformed JSON"),
    ("not an object", "[1, 2, 3]", "alice", 400, "expected a JSON object"),
    ("missing field", json.dumps({k: v for k, v in _good("x").items() if k != "seed"}), "alice", 422, "seed"),
    ("extra field", _with(labels=[1, 0]), "alice", 422, "labels"),
    ("string probabilities", _with(probs="0.5"), "alice", 422, "probs"),
    ("submitting as another researcher", _with(researcher="bob"), "alice", 403, "cannot submit as 'bob'"),
    ("admin token submitting", _with(), "admin", 403, "admin token cannot submit"),
]


@pytest.fixture()
def http(scorer: Scorer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=scorer.process.url + API, timeout=10) as client:
        yield client


def _headers(scorer: Scorer, owner: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {scorer.tokens[owner]}", "Content-Type": "application/json"} if owner else {}


@pytest.mark.parametrize(("name", "body", "owner", "status", "words"), CASES, ids=[c[0] for c in CASES])
def test_rejected_submission_stores_nothing(
    scorer: Scorer, http: httpx.Client, name: str, body: str, owner: str, status: int, words: str
) -> None:
    before = scorer.count()
    response = http.post("/submissions", content=body, headers=_headers(scorer, owner))
    assert response.status_code == status, response.text
    assert words in response.json()["detail"]
    assert scorer.count() == before
    assert scorer.count("flags") == 0


def test_payload_over_the_cap_is_refused_before_parsing(scorer: Scorer, http: httpx.Client) -> None:
    cap = 2_000_000
    before = scorer.count()
    declared = http.post("/submissions", content=b"{" + b" " * cap + b"}", headers=_headers(scorer, "alice"))
    assert declared.status_code == 413 and "over the cap" in declared.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the server must count as it reads
        yield b'{"probs": ['
        for _ in range(cap // 10_000 + 2):
            yield b"0.5, " * 2_000
        yield b"0.5]}"

    streamed = http.post("/submissions", content=chunks(), headers=_headers(scorer, "alice"))
    assert streamed.status_code == 413
    assert scorer.count() == before


@pytest.mark.parametrize(
    ("header", "status", "words"),
    [(None, 401, "missing token"), ("Bearer not-a-token", 401, "unknown token"), ("Basic abc", 401, "malformed")],
)
def test_missing_or_wrong_token(scorer: Scorer, http: httpx.Client, header: str | None, status: int, words: str) -> None:
    before = scorer.count()
    headers = {"Authorization": header} if header else {}
    response = http.post("/submissions", content=json.dumps(_good("token-test")), headers=headers)
    assert response.status_code == status and words in response.json()["detail"]
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert http.get("/leaderboard", headers=headers).status_code == 401
    assert scorer.count() == before


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/leaderboard?private=true"), ("GET", "/admin/audit"), ("GET", "/admin/submissions/1"),
     ("POST", "/admin/flags"), ("POST", "/admin/evaluate"), ("POST", "/admin/flags/1/clear")],
)
def test_researcher_token_cannot_use_admin_endpoints(scorer: Scorer, http: httpx.Client, method: str, path: str) -> None:
    response = http.request(method, path, headers=_headers(scorer, "bob"), content="{}")
    assert response.status_code == 403 and "admin token only" in response.json()["detail"]


def test_rejections_are_audited(scorer: Scorer, http: httpx.Client) -> None:
    http.post("/submissions", content=_with(split="train_unlabel"), headers=_headers(scorer, "alice"))
    http.get("/leaderboard")
    admin = scorer.client("admin")
    entries = admin.audit()
    rejected = [e for e in entries if e.status >= 400 and e.path.endswith("/submissions")]
    assert rejected, "rejections must leave an audit line"
    assert all(e.outcome.startswith("rejected: ") for e in rejected)
    assert any(e.principal == "anonymous" and e.status == 401 for e in entries)
