"""``ScorerClient``: the HTTP client for the scorer API (researchers' and admin calls).

Retries cover connection failures only (the server restarting); an answer, even a 5xx, is never retried, so a
request is never applied twice behind the caller's back (submissions are idempotent anyway).
"""

from __future__ import annotations

from typing import Any

import httpx
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

from tools.scorer.models import (
    API,
    AuditEntry,
    EvaluateOut,
    FlagOut,
    Leaderboard,
    SubmissionDetail,
    SubmissionIn,
    SubmissionOut,
    VerificationIn,
)


class ScorerError(RuntimeError):
    """The scorer refused a request; ``status`` is the HTTP status and ``detail`` its message."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"scorer answered {status}: {detail}")
        self.status = status
        self.detail = detail


class ScorerClient:
    def __init__(self, url: str, token: str, timeout_s: float = 30.0, attempts: int = 5) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url + API, timeout=timeout_s,
                                  headers={"Authorization": f"Bearer {token}"})
        self._send = retry(
            retry=retry_if_exception_type((httpx.ConnectError, httpx.RemoteProtocolError, httpx.ConnectTimeout)),
            stop=stop_after_attempt(attempts),
            wait=wait_exponential(multiplier=0.1, max=2.0),
            reraise=True,
        )(self._http.request)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ScorerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, json: Any = None, params: dict[str, Any] | None = None) -> Any:
        response = self._send(method, path, json=json, params=params)
        if response.status_code >= 400:
            try:
                detail = str(response.json().get("detail"))
            except ValueError:
                detail = response.text[:500]
            raise ScorerError(response.status_code, detail)
        return response.json()

    # -- researchers ----------------------------------------------------------------------------
    def health(self) -> bool:
        return bool(self._call("GET", "/health").get("ok"))

    def tasks(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/tasks")["tasks"])

    def submit(self, submission: SubmissionIn | None = None, **fields: Any) -> SubmissionOut:
        """Submit ``SubmissionIn`` (or its fields as keywords); idempotent by (researcher, experiment_id, seed)."""
        payload = submission if submission is not None else SubmissionIn(**fields)
        return SubmissionOut.model_validate(self._call("POST", "/submissions", json=payload.model_dump()))

    def my_submissions(self) -> list[SubmissionOut]:
        return [SubmissionOut.model_validate(s) for s in self._call("GET", "/submissions/mine")["submissions"]]

    def leaderboard(self, private: bool = False, task: str | None = None) -> Leaderboard:
        params: dict[str, Any] = {"private": str(private).lower()}
        if task:
            params["task"] = task
        return Leaderboard.model_validate(self._call("GET", "/leaderboard", params=params))

    # -- admin ----------------------------------------------------------------------------------
    def flag(self, submission_id: int, flag: str, evidence: str, detail: str = "") -> FlagOut:
        """Flag the submission's experiment; ``evidence`` is shown to researchers, ``detail`` only to the admin."""
        body = {"submission_id": submission_id, "flag": flag, "evidence": evidence, "detail": detail}
        return FlagOut.model_validate(self._call("POST", "/admin/flags", json=body))

    def clear_flag(self, flag_id: int, reason: str) -> FlagOut:
        return FlagOut.model_validate(self._call("POST", f"/admin/flags/{flag_id}/clear", json={"reason": reason}))

    def submission(self, submission_id: int) -> SubmissionDetail:
        return SubmissionDetail.model_validate(self._call("GET", f"/admin/submissions/{submission_id}"))

    def evaluate(self, task: str, probs: list[float]) -> EvaluateOut:
        """Exact public and private scores of ``probs``; recorded in the audit log, never as a submission."""
        return EvaluateOut.model_validate(self._call("POST", "/admin/evaluate", json={"task": task, "probs": probs}))

    def record_verification(self, result: VerificationIn) -> None:
        self._call("POST", "/admin/verifications", json=result.model_dump())

    def audit(self, after_id: int = 0, limit: int = 1000) -> list[AuditEntry]:
        data = self._call("GET", "/admin/audit", params={"after_id": after_id, "limit": limit})
        return [AuditEntry.model_validate(e) for e in data["entries"]]
