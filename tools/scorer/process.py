"""Running the scorer as its own process: ``serve`` (inside it) and ``start_scorer`` (from a campaign or a test)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvicorn

from aar import RunFolder, get_logger, write_atomic
from tools.scorer.db import Database, ensure_private_dir
from tools.scorer.models import API
from tools.scorer.server import create_app
from tools.scorer.settings import ScorerSettings, load_settings, save_settings

log = get_logger(__name__)
ENDPOINT_FILE = "endpoint.json"
SERVE_LOG = "serve.log"


def endpoint_path(run: RunFolder) -> Path:
    return run.scorer_dir / ENDPOINT_FILE


def read_endpoint(run: RunFolder) -> dict[str, object] | None:
    try:
        return json.loads(endpoint_path(run).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def serve(
    run: RunFolder,
    host: str = "127.0.0.1",
    port: int = 0,
    settings: ScorerSettings | None = None,
    parent_pid: int | None = None,
) -> None:
    """Serve the scorer API until SIGINT/SIGTERM; ``RUN/scorer/endpoint.json`` names the URL while it runs.

    With ``parent_pid`` the server also stops when that process is gone (a campaign killed with -9 leaves no
    scorer behind).
    """
    ensure_private_dir(run)
    settings = settings or load_settings(run)
    database = Database.for_run(run)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # accepted sockets inherit it
    sock.bind((host, port))
    sock.listen(2048)
    bound_port = sock.getsockname()[1]
    url = f"http://{'[' + host + ']' if family == socket.AF_INET6 else host}:{bound_port}"

    def announce() -> None:
        write_atomic(endpoint_path(run), json.dumps({"url": url, "pid": os.getpid()}) + "\n", mode=0o600)
        log.info("scorer serving", url=url, run=str(run.root), rate_limit=settings.rate_limit)

    app = create_app(database, settings, on_startup=announce)
    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then re-raises the signal with the handlers it found:
    # these turn that into a clean exit (code 0) that still runs the clean-up below.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _exit_cleanly)
    if parent_pid is not None:
        threading.Thread(target=_stop_when_orphaned, args=(parent_pid,), name="parent-watch", daemon=True).start()
    config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_keep_alive=30, backlog=2048)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        current = read_endpoint(run)
        if current is not None and current.get("pid") == os.getpid():
            endpoint_path(run).unlink(missing_ok=True)
        database.close()
        sock.close()


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _stop_when_orphaned(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(0.5)
    log.warning("scorer parent process gone: stopping", parent_pid=parent_pid)
    os.kill(os.getpid(), signal.SIGTERM)


@dataclass
class ScorerProcess:
    """A running ``aar scorer serve`` child process."""

    run: RunFolder
    url: str
    process: subprocess.Popen[bytes]
    log_file: Path
    _stopped: bool = field(default=False, repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout_s: float = 10.0) -> int | None:
        """SIGTERM, then SIGKILL after ``timeout_s``; returns the exit code."""
        if not self._stopped and self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout_s)
        self._stopped = True
        return self.process.returncode

    def __enter__(self) -> ScorerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class ScorerStartError(RuntimeError):
    pass


def start_scorer(
    run: RunFolder,
    host: str = "127.0.0.1",
    port: int = 0,
    settings: ScorerSettings | None = None,
    timeout_s: float = 60.0,
) -> ScorerProcess:
    """Spawn ``aar scorer serve --run RUN`` as a separate process and wait until it answers on its URL."""
    ensure_private_dir(run)
    if settings is not None:
        save_settings(run, settings)
    endpoint_path(run).unlink(missing_ok=True)
    log_file = run.scorer_dir / SERVE_LOG
    command = [sys.executable, "-m", "tools.scorer", "serve", "--run", str(run.root), "--host", host,
               "--port", str(port), "--parent-pid", str(os.getpid())]
    with open(log_file, "ab") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_file.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise ScorerStartError(f"the scorer exited with code {process.returncode} while starting:\n{tail}")
        endpoint = read_endpoint(run)
        if endpoint is not None and endpoint.get("pid") == process.pid:
            url = str(endpoint["url"])
            try:
                if httpx.get(f"{url}{API}/health", timeout=2.0).status_code == 200:
                    log.info("scorer started", url=url, pid=process.pid)
                    return ScorerProcess(run=run, url=url, process=process, log_file=log_file)
            except httpx.TransportError:
                pass
        time.sleep(0.05)
    process.kill()
    process.wait()
    raise ScorerStartError(f"the scorer did not announce itself in {endpoint_path(run)} within {timeout_s:.0f} s")
