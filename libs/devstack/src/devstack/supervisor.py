"""Restart processes that exit unexpectedly, with exponential backoff."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import structlog

log = structlog.get_logger("devstack.supervisor")

MAX_BACKOFF = 30.0
# A process that stayed up this long starts its backoff again at 1 s.
STABLE_AFTER = 60.0


@dataclass(frozen=True)
class Status:
    """What the supervisor needs to know about one process."""

    wanted: bool
    running: bool
    exit_code: int | None
    started_at: float


def backoff(failures: int) -> float:
    """1 s, 2 s, 4 s, ... capped at 30 s for the n-th consecutive failure."""
    return min(2.0 ** max(failures - 1, 0), MAX_BACKOFF)


class Supervisor:
    """A background thread polling processes and restarting the wanted dead ones."""

    def __init__(
        self,
        names: Callable[[], Iterable[str]],
        status: Callable[[str], Status],
        restart: Callable[[str], None],
        lock: threading.RLock,
        interval: float = 0.25,
    ) -> None:
        self._names = names
        self._status = status
        self._restart = restart
        self._lock = lock
        self._interval = interval
        self._stop = threading.Event()
        self._failures: dict[str, int] = {}
        self._due: dict[str, float] = {}
        self._thread = threading.Thread(target=self._run, name="devstack-supervisor", daemon=True)

    def start(self) -> None:
        """Start polling."""
        self._thread.start()

    def stop(self) -> None:
        """Stop polling and wait for a restart in progress to finish."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def forget(self, name: str) -> None:
        """Drop a pending restart (the process was started by hand)."""
        self._due.pop(name, None)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            for name in list(self._names()):
                with self._lock:
                    if self._stop.is_set():
                        return
                    self._check(name)

    def _check(self, name: str) -> None:
        status = self._status(name)
        if status.running or not status.wanted:
            self._due.pop(name, None)
            return
        now = time.monotonic()
        due = self._due.get(name)
        if due is None:
            stable = now - status.started_at > STABLE_AFTER
            failures = 1 if stable else self._failures.get(name, 0) + 1
            self._failures[name] = failures
            delay = backoff(failures)
            self._due[name] = now + delay
            log.warning(
                "process_exited", process=name, exit_code=status.exit_code, restart_in_s=delay
            )
        elif now >= due:
            del self._due[name]
            try:
                self._restart(name)
                log.info("process_restarted", process=name)
            except Exception:
                # Left not running: the next poll schedules another, later attempt.
                log.exception("process_restart_failed", process=name)
