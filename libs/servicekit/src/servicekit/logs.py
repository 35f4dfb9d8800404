"""structlog set-up and the correlation id that follows one request everywhere it goes."""

from __future__ import annotations

import logging
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog
from structlog.contextvars import bind_contextvars, get_contextvars, reset_contextvars

CORRELATION_HEADER = "X-Correlation-Id"


def configure_logging(service: str, log_format: str = "console", level: str = "INFO") -> None:
    """JSON lines in production, readable lines in dev; every line names its service."""
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    logging.basicConfig(level=level, stream=sys.stderr, format="%(message)s")
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    bind_contextvars(service=service)


def new_correlation_id() -> str:
    """A fresh id for work that did not arrive with one."""
    return str(uuid.uuid4())


def current_correlation_id() -> str | None:
    """The correlation id bound to the running task, if any."""
    value = get_contextvars().get("correlation_id")
    return str(value) if value else None


@contextmanager
def correlation_scope(correlation_id: str | None) -> Iterator[str]:
    """Bind a correlation id (or a new one) to logs for the duration of one unit of work."""
    cid = correlation_id or new_correlation_id()
    tokens = bind_contextvars(correlation_id=cid)
    try:
        yield cid
    finally:
        reset_contextvars(**tokens)
