"""One child process of the stack: spawn, signal, stop, read its log."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

import structlog

log = structlog.get_logger("devstack.proc")


def tail(path: Path | None, lines: int = 40) -> str:
    """Return the last `lines` lines of a log file, or a note why there are none."""
    if path is None:
        return "(output went to the terminal)"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return f"(no log at {path})"
    text = data[-64_000:].decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


class Child:
    """A process started in its own session, so only we decide how it stops."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str],
        log_path: Path | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = dict(env)
        self.log_path = log_path
        self.popen: subprocess.Popen[bytes] | None = None
        # Guards poll-then-signal: once a child is reaped its pid may be reused.
        self._lock = threading.Lock()

    def start(self) -> subprocess.Popen[bytes]:
        """Spawn the process; its output goes to log_path (appended) or the terminal."""
        out: IO[bytes] | None = None
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            out = self.log_path.open("ab")
        try:
            # A new session keeps the terminal's Ctrl-C (SIGINT to the foreground
            # process group) away from children: the launcher stops them in order.
            self.popen = subprocess.Popen(
                self.argv,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT if out is not None else None,
                start_new_session=True,
            )
        finally:
            if out is not None:
                out.close()
        return self.popen

    @property
    def pid(self) -> int | None:
        """The process id of the current run, if started."""
        return None if self.popen is None else self.popen.pid

    def poll(self) -> int | None:
        """Return the exit code, or None while running (or never started)."""
        with self._lock:
            return None if self.popen is None else self.popen.poll()

    def running(self) -> bool:
        """Tell whether the process was started and has not exited."""
        with self._lock:
            return self.popen is not None and self.popen.poll() is None

    def send(self, sig: signal.Signals, *, group: bool = False) -> None:
        """Send `sig` to the process (or its whole process group) if it still runs."""
        with self._lock:
            if self.popen is None or self.popen.poll() is not None:
                return
            # Unreaped, so the pid (and the group id it leads) cannot be reused yet.
            with contextlib.suppress(ProcessLookupError):
                if group:
                    os.killpg(self.popen.pid, sig)
                else:
                    self.popen.send_signal(sig)

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait for exit; return the exit code or None on timeout."""
        if self.popen is None:
            return None
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> int | None:
        """SIGKILL the process group and reap it."""
        self.send(signal.SIGKILL, group=True)
        return self.wait()

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, wait up to `timeout` seconds, then SIGKILL the group."""
        if self.popen is None:
            return None
        self.send(signal.SIGTERM)
        code = self.wait(timeout)
        if code is None:
            code = self.kill()
        return code

    def log_tail(self, lines: int = 40) -> str:
        """The last lines this process wrote to its log file."""
        return tail(self.log_path, lines)


class ProcessStartError(RuntimeError):
    """A managed process exited or did not become ready in time."""


class ManagedProcess:
    """A restartable infrastructure process with a readiness check."""

    name = "process"
    start_error: type[ProcessStartError] = ProcessStartError

    def __init__(self, log_file: Path, start_timeout: float) -> None:
        self.log_file = log_file
        self.start_timeout = start_timeout
        # False after stop()/kill(): a supervisor must not bring it back.
        self.wanted = False
        self.started_at = 0.0
        self._child: Child | None = None

    def argv(self) -> list[str]:
        """The command line to run."""
        raise NotImplementedError

    def env(self) -> dict[str, str]:
        """The environment of the process."""
        return dict(os.environ)

    def ready(self) -> bool:
        """Tell whether the process serves requests."""
        raise NotImplementedError

    def describe(self) -> str:
        """A short human description used in messages."""
        return self.name

    @property
    def pid(self) -> int | None:
        """The process id of the current run, if any."""
        return None if self._child is None else self._child.pid

    def running(self) -> bool:
        """Tell whether the process is alive."""
        return self._child is not None and self._child.running()

    def exit_code(self) -> int | None:
        """The exit code of the last run, or None while running or never started."""
        return None if self._child is None else self._child.poll()

    def start(self) -> None:
        """Start (again, same settings) and wait until ready."""
        self.wanted = True
        if self.running():
            return
        self._child = Child(self.name, self.argv(), self.env(), self.log_file)
        self._child.start()
        self.started_at = time.monotonic()
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            code = self._child.poll()
            if code is not None:
                raise self.start_error(
                    f"{self.describe()} exited with {code}; log {self.log_file}:\n"
                    f"{self._child.log_tail()}"
                )
            if self.ready():
                log.info("process_started", process=self.name, pid=self.pid)
                return
            time.sleep(0.05)
        self._child.kill()
        raise self.start_error(
            f"{self.describe()} not ready after {self.start_timeout}s; "
            f"log {self.log_file}:\n{self._child.log_tail()}"
        )

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, wait up to `timeout` seconds, then SIGKILL."""
        self.wanted = False
        if self._child is not None and self._child.running():
            code = self._child.stop(timeout)
            log.info("process_stopped", process=self.name, exit_code=code)

    def kill(self) -> None:
        """SIGKILL (simulates a crash)."""
        self.wanted = False
        if self._child is not None:
            self._child.kill()

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the log."""
        return tail(self.log_file, lines)
