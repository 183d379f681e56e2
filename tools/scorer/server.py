"""The scorer's HTTP API (FastAPI). Every request is authenticated by a bearer token and written to the audit log.

Bodies are read by hand (not by FastAPI's parser) so that the size cap holds before anything is parsed and
every malformed body gets one clear 4xx message.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.responses import Response

from aar import get_logger
from aar.config_files import describe_validation_error
from tools.scorer.audit import append_audit, read_audit
from tools.scorer.checks.flags import Flag
from tools.scorer.db import Database
from tools.scorer.flagstore import clear_flag
from tools.scorer.leaderboard import build_leaderboard
from tools.scorer.models import API, AuditRecord, ClearFlagIn, EvaluateIn, FlagIn, SubmissionIn, VerificationIn
from tools.scorer.service import Rejected, ScorerService
from tools.scorer.settings import ScorerSettings
from tools.scorer.tasks import load_task, task_names
from tools.scorer.tokens import Principal, authenticate_hash, hash_token

log = get_logger(__name__)
ModelT = TypeVar("ModelT", bound=BaseModel)


def _non_finite(token: str) -> float:
    return float(token.replace("Infinity", "inf"))


async def read_json(request: Request, model: type[ModelT], cap: int) -> ModelT:
    """The request body as ``model``: 413 over ``cap`` bytes, 400 if not JSON, 422 if the fields are wrong."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise Rejected(413, f"payload of {int(declared)} bytes is over the cap of {cap} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > cap:
            raise Rejected(413, f"payload is over the cap of {cap} bytes")
    try:
        data = json.loads(body.decode("utf-8"), parse_constant=_non_finite)
    except UnicodeDecodeError:
        raise Rejected(400, "malformed JSON: the body is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise Rejected(400, f"malformed JSON at line {error.lineno} column {error.colno}: {error.msg}") from None
    if not isinstance(data, dict):
        raise Rejected(400, f"malformed request: expected a JSON object, got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise Rejected(422, describe_validation_error("request body", error)) from None


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise Rejected(401, "missing token: send 'Authorization: Bearer <token>'")
    if scheme.lower() != "bearer" or not token.strip():
        raise Rejected(401, "malformed Authorization header: expected 'Bearer <token>'")
    return token.strip()


def create_app(database: Database, settings: ScorerSettings, on_startup: Callable[[], None] | None = None) -> FastAPI:
    service = ScorerService(database, settings)
    app = FastAPI(title="aar scorer", docs_url=None, redoc_url=None, openapi_url=None)
    if on_startup is not None:
        app.router.on_startup.append(on_startup)
    cap = settings.max_payload_bytes

    known: dict[str, Principal] = {}  # token hash -> principal (tokens are never revoked while serving)

    async def principal(request: Request) -> Principal:
        digest = hash_token(_bearer(request))
        who = known.get(digest)
        if who is None:
            who = await run_in_threadpool(authenticate_hash, database, digest)
            if who is None:
                raise Rejected(401, "unknown token")
            known[digest] = who
        request.state.principal = who
        return who

    async def admin(request: Request) -> Principal:
        who = await principal(request)
        if not who.is_admin:
            raise Rejected(403, f"{request.url.path} is for the admin token only")
        return who

    def done(request: Request, outcome: str, payload: Any) -> Any:
        request.state.outcome = outcome
        return payload.model_dump() if isinstance(payload, BaseModel) else payload

    @app.exception_handler(Rejected)
    async def rejected(request: Request, error: Rejected) -> Response:
        request.state.outcome = f"rejected: {error.message}"
        headers = {"Retry-After": f"{max(1, round(error.retry_after_s))}"} if error.retry_after_s is not None else None
        if error.status == 401:
            headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
        return JSONResponse({"detail": error.message}, status_code=error.status, headers=headers)

    @app.middleware("http")
    async def audit_every_request(request: Request, call_next: Callable[[Request], Any]) -> Response:
        try:
            response: Response = await call_next(request)
        except Exception as error:  # an unexpected failure is still audited, then answered with a 500
            log.exception("scorer request failed", path=request.url.path)
            request.state.outcome = f"error: {type(error).__name__}"
            response = JSONResponse({"detail": "internal error (logged)"}, status_code=500)
        who: Principal | None = getattr(request.state, "principal", None)
        record = AuditRecord(
            principal=who.name if who else "anonymous", role=who.role if who else "none",
            client=request.client.host if request.client else "?", http_method=request.method,
            path=request.url.path, action=request.url.path.removeprefix(API).strip("/").split("/")[0] or "root",
            status=response.status_code, outcome=getattr(request.state, "outcome", "ok" if response.status_code < 400
                                                         else f"status {response.status_code}"),
        )
        await append_audit(database, record)
        return response

    @app.get(f"{API}/health")
    async def health(request: Request) -> Any:
        return done(request, "ok", {"ok": True})

    @app.get(f"{API}/tasks")
    async def tasks(request: Request) -> Any:
        await principal(request)
        names = await run_in_threadpool(task_names, database)
        records = [load_task(database, name) for name in names]
        return done(request, f"{len(names)} tasks", {"tasks": [{"name": t.name, "n_test": t.n_test}
                                                               for t in records if t is not None]})

    @app.post(f"{API}/submissions")
    async def submit(request: Request) -> Any:
        who = await principal(request)
        if who.is_admin:
            raise Rejected(403, "the admin token cannot submit; submissions come from researchers' tokens")
        payload = await read_json(request, SubmissionIn, cap)
        out = await run_in_threadpool(service.submit, who, payload)
        verb = "replayed" if out.replayed else "stored"
        return done(request, f"{verb} submission {out.submission_id} ({payload.task}, {payload.experiment_id}, "
                             f"seed {payload.seed}); released={out.public_pgr}; flags={[f.name for f in out.flags]}",
                    out)

    @app.get(f"{API}/submissions/mine")
    async def mine(request: Request) -> Any:
        who = await principal(request)
        items = await run_in_threadpool(service.my_submissions, who)
        return done(request, f"{len(items)} submissions", {"submissions": [i.model_dump() for i in items]})

    @app.get(f"{API}/leaderboard")
    async def leaderboard(request: Request, private: bool = False, task: str | None = None) -> Any:
        who = await (admin(request) if private else principal(request))
        board = await run_in_threadpool(build_leaderboard, database, private, task)
        return done(request, f"{'private' if private else 'public'} leaderboard for {who.name}", board)

    @app.post(f"{API}/admin/flags")
    async def flag(request: Request) -> Any:
        who = await admin(request)
        body = await read_json(request, FlagIn, cap)
        out = await run_in_threadpool(service.flag, body.submission_id, Flag(body.flag, body.evidence, body.detail),
                                      who.name)
        return done(request, f"flag {out.id} {body.flag} on submission {body.submission_id}", out)

    @app.post(f"{API}/admin/flags/{{flag_id}}/clear")
    async def clear(request: Request, flag_id: int) -> Any:
        await admin(request)
        body = await read_json(request, ClearFlagIn, cap)
        out = await run_in_threadpool(database.write, lambda conn: clear_flag(conn, flag_id, body.reason))
        if out is None:
            raise Rejected(404, f"no flag with id {flag_id}")
        return done(request, f"flag {flag_id} cleared: {body.reason}", out)

    @app.get(f"{API}/admin/submissions/{{submission_id}}")
    async def detail(request: Request, submission_id: int) -> Any:
        await admin(request)
        return done(request, f"submission {submission_id}", await run_in_threadpool(service.detail, submission_id))

    @app.post(f"{API}/admin/evaluate")
    async def evaluate(request: Request) -> Any:
        await admin(request)
        body = await read_json(request, EvaluateIn, cap)
        out = await run_in_threadpool(service.evaluate, body.task, body.probs)
        return done(request, f"evaluated {len(body.probs)} probabilities on {body.task} (not a submission)", out)

    @app.post(f"{API}/admin/verifications")
    async def verification(request: Request) -> Any:
        await admin(request)
        body = await read_json(request, VerificationIn, cap)
        await run_in_threadpool(service.record_verification, body)
        return done(request, f"verification of {body.researcher}/{body.experiment_id}: passed={body.passed}",
                    {"ok": True})

    @app.get(f"{API}/admin/audit")
    async def audit(request: Request, after_id: int = 0, limit: int = 1000) -> Any:
        await admin(request)
        entries = await run_in_threadpool(read_audit, database, limit, after_id)
        return done(request, f"{len(entries)} audit entries", {"entries": [e.model_dump() for e in entries]})

    return app
