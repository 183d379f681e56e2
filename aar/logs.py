"""structlog set-up: JSON lines into a run folder's ``logs.jsonl``, a readable renderer on a terminal."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, TextIO

import structlog

_SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.processors.StackInfoRenderer(),
]


def configure_logging(
    log_file: Path | None = None, level: str = "INFO", console: TextIO | None = None
) -> None:
    """Route all structlog and stdlib logging to stderr (pretty or plain) and, if given, a JSON-lines file.

    Safe to call more than once: each call replaces the previous handlers (a campaign re-points the file
    at its run folder once the folder exists).
    """
    stream = console if console is not None else sys.stderr
    structlog.configure(
        processors=[*_SHARED_PROCESSORS, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    console_handler = logging.StreamHandler(stream)
    console_handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=_SHARED_PROCESSORS,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.dev.ConsoleRenderer(colors=stream.isatty()),
            ],
        )
    )
    root.addHandler(console_handler)
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        file_handler = logging.FileHandler(log_file, encoding="utf-8")
        file_handler.setFormatter(
            structlog.stdlib.ProcessorFormatter(
                foreign_pre_chain=_SHARED_PROCESSORS,
                processors=[
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info,
                    structlog.processors.JSONRenderer(),
                ],
            )
        )
        root.addHandler(file_handler)
    root.setLevel(level.upper())
    # Third-party chatter (httpx request lines, docker SDK) is noise at INFO.
    for noisy in ("httpx", "httpcore", "urllib3", "docker", "git", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def get_logger(name: str | None = None, **bound: Any) -> structlog.stdlib.BoundLogger:
    """A structlog logger, optionally with context bound to every line it writes."""
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger.bind(**bound) if bound else logger


def _log_to_stderr_until_configured() -> None:
    """structlog's out-of-the-box logger prints to stdout, which would corrupt ``--json`` output of any command
    that logs before :func:`configure_logging` runs (library use, typer test runners): send it to stderr."""
    if not structlog.is_configured():
        structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=sys.stderr))


_log_to_stderr_until_configured()
