"""structlog set-up for the launcher and the SMTP sink."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from typing import TextIO, cast

import structlog


class _CurrentStderr:
    """Writes to whatever sys.stderr is at call time (pytest swaps it per test).

    Write errors are dropped: after the terminal closes (SIGHUP) writes fail with
    EIO, and a log line must never abort the stop that follows.
    """

    def write(self, text: str) -> int:
        try:
            return sys.stderr.write(text)
        except (OSError, ValueError):
            return 0

    def flush(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.flush()


def default_log_format() -> str:
    """LOG_FORMAT if set, else console on a terminal and json otherwise."""
    return os.environ.get("LOG_FORMAT") or ("console" if sys.stderr.isatty() else "json")


def say(text: str) -> None:
    """Print a plain message to stderr, ignoring a terminal that has gone away."""
    _CurrentStderr().write(text + "\n")


def configure_logging(fmt: str | None = None) -> None:
    """Render structlog events to stderr as console lines or JSON."""
    fmt = fmt or default_log_format()
    processors: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if fmt == "console":
        # ConsoleRenderer formats tracebacks itself.
        processors.append(structlog.dev.ConsoleRenderer())
    else:
        processors += [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        logger_factory=structlog.PrintLoggerFactory(file=cast(TextIO, _CurrentStderr())),
        cache_logger_on_first_use=True,
    )
