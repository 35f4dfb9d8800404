"""Pid records under var/run, so a launcher that died cannot leave orphans behind.

Children run in their own sessions (Ctrl-C must not reach them), so they outlive
a launcher killed with SIGKILL. The next start on the same var dir stops them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import structlog

log = structlog.get_logger("devstack.runstate")
OWNER = "stack.pid"


def _start_time(pid: int) -> str | None:
    """The kernel's start time of `pid` (Linux /proc), None if gone or a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Fields after the parenthesised command name; state is first, starttime 20th.
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] == "Z" else fields[19]


def _record_text(pid: int) -> str:
    return f"{pid} {_start_time(pid) or '-'}\n"


def _read(path: Path) -> tuple[int, str] | None:
    try:
        pid_text, started = path.read_text().split()
        return int(pid_text), started
    except (OSError, ValueError):
        return None


def _same_process(pid: int, started: str) -> bool:
    # A matching start time guards against a recycled pid.
    return started != "-" and _start_time(pid) == started


class RunState:
    """Who owns a var dir, and which processes it started."""

    def __init__(self, var_dir: Path) -> None:
        self.dir = var_dir / "run"

    def owner(self) -> int | None:
        """The pid of a live process that owns the var dir, if any."""
        record = _read(self.dir / OWNER)
        if record is not None and _same_process(*record):
            return record[0]
        return None

    def claim(self) -> None:
        """Become the owner; stop what a dead previous owner left running."""
        owner = self.owner()
        if owner is not None and owner != os.getpid():
            raise RuntimeError(f"{self.dir.parent} is in use by a running stack (pid {owner})")
        self.dir.mkdir(parents=True, exist_ok=True)
        if owner == os.getpid():
            # Our own records (an earlier Stack in this process): not orphans.
            return
        for path in sorted(self.dir.glob("*.pid")):
            record = _read(path)
            if path.name != OWNER and record is not None and _same_process(*record):
                log.warning("stopping_orphan", process=path.stem, pid=record[0])
                _stop_group(record[0])
            path.unlink(missing_ok=True)
        (self.dir / OWNER).write_text(_record_text(os.getpid()))

    def record(self, name: str, pid: int) -> None:
        """Remember a started child."""
        (self.dir / f"{name}.pid").write_text(_record_text(pid))

    def release(self) -> None:
        """Forget every record (all children stopped)."""
        for path in self.dir.glob("*.pid"):
            path.unlink(missing_ok=True)


def _stop_group(pid: int, timeout: float = 10.0) -> None:
    started = _start_time(pid)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _start_time(pid) == started and started is not None:
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            break
        time.sleep(0.05)
