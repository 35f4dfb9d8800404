"""The whole system as local processes: the same code for `make run` and the tests."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

import structlog

from devstack.keys import ensure_keys
from devstack.kvk_process import KvkFakeProcess
from devstack.nats import NatsServerProcess
from devstack.ports import free_port, port_is_free
from devstack.proc import Child, ManagedProcess
from devstack.runstate import RunState
from devstack.sink_process import SmtpSinkProcess
from devstack.supervisor import Status, Supervisor

SERVICES = ["identity", "organisation", "invoicing", "notifications", "partners"]
GATEWAY = "gateway"
log = structlog.get_logger("devstack.stack")


class StackError(RuntimeError):
    """The stack could not start or did not become ready."""


class Stack:
    """NATS, the SMTP sink, a fake KvK register and every service as processes in one var dir."""

    def __init__(
        self,
        var_dir: Path,
        gateway_port: int = 8000,
        gateway_host: str = "127.0.0.1",
        nats_url: str | None = None,
        smtp_url: str | None = None,
        kvk_url: str | None = None,
        extra_env: Mapping[str, str] | None = None,
        supervise: bool = False,
        log_to_files: bool = False,
        modules: Mapping[str, str] | None = None,
        stop_timeout: float = 10.0,
        fixed_ports: bool = False,
        service_env: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.var_dir = Path(var_dir).absolute()
        self.gateway_port = gateway_port
        self.gateway_host = gateway_host
        self.extra_env = dict(extra_env or {})
        self.supervise = supervise
        self.log_to_files = log_to_files
        # Service name -> module run with `python -m`; started in this order, gateway last.
        default = {m: m for m in [*SERVICES, GATEWAY]}
        self.modules = dict(modules) if modules is not None else default
        # Per process name: what differs between replicas of one service (a gateway's port).
        self.service_env = {name: dict(env) for name, env in (service_env or {}).items()}
        self.stop_timeout = stop_timeout
        # `make run` prefers the well-known dev ports (14222, 8025) so they are easy to find;
        # tests and benchmarks take free ports, so they never meet another run's servers.
        self.fixed_ports = fixed_ports
        self._given_nats_url = nats_url or os.environ.get("NATS_URL") or None
        self._given_smtp_url = smtp_url or os.environ.get("SMTP_URL") or None
        # A KVK_BASE_URL from the caller means a real (or other) register: no fake then.
        self._given_kvk_url = (
            kvk_url or self.extra_env.get("KVK_BASE_URL") or os.environ.get("KVK_BASE_URL") or None
        )
        self.nats: NatsServerProcess | None = None
        self.smtp_sink: SmtpSinkProcess | None = None
        self.kvk_fake: KvkFakeProcess | None = None
        self._children: dict[str, Child] = {}
        self._started_at: dict[str, float] = {}
        self._down: set[str] = set()
        self._env: dict[str, str] = {}
        self._runstate = RunState(self.var_dir)
        self._lock = threading.RLock()
        self._stopping = False
        self._started = False
        self._supervisor: Supervisor | None = None

    # -- locations -------------------------------------------------------------------

    @property
    def maildir(self) -> Path:
        """Where the SMTP sink writes .eml files (var/mail)."""
        return self.var_dir / "mail"

    @property
    def logs_dir(self) -> Path:
        """var/logs."""
        return self.var_dir / "logs"

    @property
    def gateway_url(self) -> str:
        """http://<gateway_host>:<gateway_port>."""
        return f"http://{self.gateway_host}:{self.gateway_port}"

    @property
    def nats_url(self) -> str:
        """The NATS URL the services use."""
        if self._given_nats_url:
            return self._given_nats_url
        if self.nats is None:
            raise StackError("no NATS yet: call start() first")
        return self.nats.url

    @property
    def smtp_url(self) -> str:
        """The SMTP URL the services use."""
        if self._given_smtp_url:
            return self._given_smtp_url
        if self.smtp_sink is None:
            raise StackError("no SMTP sink yet: call start() first")
        return self.smtp_sink.url

    @property
    def kvk_url(self) -> str:
        """The KvK register's base URL the services use (KVK_BASE_URL)."""
        if self._given_kvk_url:
            return self._given_kvk_url
        if self.kvk_fake is None:
            raise StackError("no fake KvK register yet: call start() first")
        return self.kvk_fake.url

    @property
    def own_kvk(self) -> bool:
        """True when the stack runs its own fake KvK register (no KVK_BASE_URL given)."""
        return self._given_kvk_url is None

    @property
    def own_nats(self) -> bool:
        """True when the stack runs its own nats-server (no NATS_URL given)."""
        return self._given_nats_url is None

    @property
    def processes(self) -> dict[str, subprocess.Popen[bytes]]:
        """Service name -> the Popen of its current run."""
        with self._lock:
            return {n: c.popen for n, c in self._children.items() if c.popen is not None}

    @property
    def env(self) -> dict[str, str]:
        """The environment every service gets (after start())."""
        return dict(self._env)

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        """Start NATS, the sink, the fake KvK (each unless given), every service, gateway last."""
        if self._started:
            raise StackError("stack already started")
        if not port_is_free(self.gateway_port, self.gateway_host):
            raise StackError(
                f"port {self.gateway_port} on {self.gateway_host} is already in use; "
                "choose another gateway port"
            )
        for sub in ("mail", "nats", "logs", "keys"):
            (self.var_dir / sub).mkdir(parents=True, exist_ok=True)
        try:
            self._runstate.claim()
        except RuntimeError as exc:
            raise StackError(str(exc)) from exc
        self._stopping = False
        self._started = True
        self._children.clear()
        self._down.clear()
        try:
            if self._given_nats_url is None:
                self.nats = NatsServerProcess(
                    self.var_dir / "nats",
                    port=None if self.fixed_ports else free_port(),
                    log_file=self.logs_dir / "nats-server.log",
                )
                self._start_infra(self.nats)
            if self._given_smtp_url is None:
                self.smtp_sink = SmtpSinkProcess(
                    self.maildir,
                    port=None if self.fixed_ports else free_port(),
                    log_file=self.logs_dir / "smtp-sink.log",
                )
                self._start_infra(self.smtp_sink)
            if self._given_kvk_url is None:
                self.kvk_fake = KvkFakeProcess(
                    port=None if self.fixed_ports else free_port(),
                    log_file=self.logs_dir / "kvk-fake.log",
                )
                self._start_infra(self.kvk_fake)
            self._env = self._service_env()
            for name in self.modules:
                self._spawn(name)
        except BaseException:
            self.stop()
            raise
        if self.supervise:
            self._supervisor = Supervisor(self._supervised, self._status, self._restart, self._lock)
            self._supervisor.start()
        log.info(
            "stack_started",
            gateway=self.gateway_url,
            nats=self.nats_url,
            smtp=self.smtp_url,
            kvk=self.kvk_url,
        )

    def _start_infra(self, proc: ManagedProcess) -> None:
        try:
            proc.start()
        finally:
            if proc.pid is not None:
                self._runstate.record(proc.name, proc.pid)

    def _service_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            NATS_URL=self.nats_url,
            SMTP_URL=self.smtp_url,
            VAR_DIR=str(self.var_dir),
            PUBLIC_BASE_URL=self.gateway_url,
            GATEWAY_HOST=self.gateway_host,
            GATEWAY_PORT=str(self.gateway_port),
            KVK_BASE_URL=self.kvk_url,
        )
        if self.kvk_fake is not None:
            env["KVK_API_KEY"] = self.kvk_fake.api_key
        env.update(ensure_keys(self.var_dir / "keys"))
        tty = not self.log_to_files and sys.stdout.isatty()
        env.setdefault("LOG_FORMAT", "console" if tty else "json")
        # Log lines must reach files and pipes as they happen, not at exit.
        env.setdefault("PYTHONUNBUFFERED", "1")
        env.update(self.extra_env)
        return env

    def _spawn(self, name: str, extra_env: Mapping[str, str] | None = None) -> None:
        log_path = self.logs_dir / f"{name}.log" if self.log_to_files else None
        argv = [sys.executable, "-m", self.modules[name]]
        env = {**self._env, **self.service_env.get(name, {}), **(extra_env or {})}
        child = Child(name, argv, env, log_path)
        with self._lock:
            popen = child.start()
            self._runstate.record(name, popen.pid)
            self._children[name] = child
            self._started_at[name] = time.monotonic()
            self._down.discard(name)
        log.info("service_started", service=name, pid=child.pid)

    def wait_ready(self, timeout: float = 60.0, abort: threading.Event | None = None) -> None:
        """Poll the gateway's /ready until 200; on timeout raise with the log tails."""
        deadline = time.monotonic() + timeout
        url = f"{self.gateway_url}/ready"
        while time.monotonic() < deadline:
            if abort is not None and abort.is_set():
                return
            dead = self.dead_services()
            if dead and not self.supervise:
                raise StackError(
                    f"services exited before ready: {', '.join(dead)}\n{self.log_tails()}"
                )
            if _http_ok(url):
                log.info("stack_ready", url=url)
                return
            time.sleep(0.2)
        raise StackError(f"{url} not ready after {timeout}s\n{self.log_tails()}")

    def dead_services(self) -> list[str]:
        """Processes that exited though nobody stopped them (`name (exit code)`)."""
        with self._lock:
            return [
                f"{n} (exit {c.poll()})"
                for n, c in self._children.items()
                if n not in self._down and c.poll() is not None
            ]

    def log_tails(self, lines: int = 30) -> str:
        """The last log lines of every process, for error messages."""
        parts: list[str] = []
        with self._lock:
            children = list(self._children.values())
        for child in children:
            parts.append(f"--- {child.name} (exit {child.poll()}) ---\n{child.log_tail(lines)}")
        for infra in self._infra_processes():
            parts.append(f"--- {infra.name} ---\n{infra.log_tail(lines)}")
        return "\n".join(parts)

    def stop(self) -> None:
        """Stop services in reverse order, then the fake KvK, the sink, nats-server. Idempotent."""
        with self._lock:
            self._stopping = True
        if self._supervisor is not None:
            self._supervisor.stop()
            self._supervisor = None
        for name in reversed(list(self.modules)):
            child = self._children.get(name)
            if child is not None and child.popen is not None and child.popen.returncode is None:
                code = child.stop(self.stop_timeout)
                log.info("service_stopped", service=name, exit_code=code)
        if self.kvk_fake is not None:
            self.kvk_fake.stop(self.stop_timeout)
        if self.smtp_sink is not None:
            self.smtp_sink.stop(self.stop_timeout)
        if self.nats is not None:
            # SIGTERM first so JetStream flushes its store.
            self.nats.stop(self.stop_timeout)
        if self._started:
            self._runstate.release()
        self._started = False

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- single services (tests simulate crashes and restarts) -----------------------

    def _child(self, name: str) -> Child:
        child = self._children.get(name)
        if child is None:
            raise KeyError(f"unknown service {name!r}; known: {', '.join(self.modules)}")
        return child

    def kill(self, name: str) -> None:
        """SIGKILL one service; it stays down (no supervisor restart) until start_service."""
        with self._lock:
            child = self._child(name)
            self._down.add(name)
        child.kill()
        log.info("service_killed", service=name)

    def terminate(self, name: str, timeout: float | None = None) -> int | None:
        """SIGTERM one service and wait (then SIGKILL); it stays down until start_service."""
        with self._lock:
            child = self._child(name)
            self._down.add(name)
        return child.stop(self.stop_timeout if timeout is None else timeout)

    def start_service(self, name: str, extra_env: Mapping[str, str] | None = None) -> None:
        """Start one service again; `extra_env` applies to this run only."""
        if name not in self.modules:
            raise KeyError(f"unknown service {name!r}; known: {', '.join(self.modules)}")
        with self._lock:
            if self._stopping or not self._started:
                raise StackError("stack is not running")
            current = self._children.get(name)
            if current is not None and current.running():
                raise StackError(f"service {name!r} is already running (pid {current.pid})")
            if self._supervisor is not None:
                self._supervisor.forget(name)
            self._spawn(name, extra_env)

    # -- supervision -----------------------------------------------------------------

    def _infra_processes(self) -> list[ManagedProcess]:
        """The infrastructure this stack runs itself, in start order."""
        return [p for p in (self.nats, self.smtp_sink, self.kvk_fake) if p is not None]

    def _supervised(self) -> list[str]:
        return [p.name for p in self._infra_processes()] + list(self.modules)

    def _infra(self, name: str) -> ManagedProcess | None:
        for proc in self._infra_processes():
            if proc.name == name:
                return proc
        return None

    def _status(self, name: str) -> Status:
        if self._stopping:
            return Status(wanted=False, running=False, exit_code=None, started_at=0.0)
        infra = self._infra(name)
        if infra is not None:
            return Status(infra.wanted, infra.running(), infra.exit_code(), infra.started_at)
        child = self._children[name]
        return Status(
            wanted=name not in self._down,
            running=child.running(),
            exit_code=child.poll(),
            started_at=self._started_at[name],
        )

    def _restart(self, name: str) -> None:
        infra = self._infra(name)
        if infra is not None:
            self._start_infra(infra)
        else:
            self._spawn(name)


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310
            return int(resp.status) == 200
    except (urllib.error.URLError, OSError):
        return False
