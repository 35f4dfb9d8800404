"""The SMTP sink run as its own process."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

from devstack.ports import LOCALHOST, free_port, port_is_free
from devstack.proc import ManagedProcess

DEFAULT_PORT = 8025


class SmtpSinkProcess(ManagedProcess):
    """`python -m devstack.smtp_sink` writing into `maildir`."""

    name = "smtp-sink"

    def __init__(
        self,
        maildir: Path,
        port: int | None = None,
        *,
        log_file: Path | None = None,
        start_timeout: float = 15.0,
    ) -> None:
        self.maildir = Path(maildir).absolute()
        super().__init__(log_file or self.maildir.parent / "logs" / "smtp-sink.log", start_timeout)
        if port is None:
            port = DEFAULT_PORT if port_is_free(DEFAULT_PORT) else free_port()
        self.port = port

    @property
    def url(self) -> str:
        """smtp://127.0.0.1:<port>."""
        return f"smtp://{LOCALHOST}:{self.port}"

    def describe(self) -> str:
        """Name and port, for error messages."""
        return f"SMTP sink on port {self.port}"

    def argv(self) -> list[str]:
        """The sink module under this interpreter."""
        self.maildir.mkdir(parents=True, exist_ok=True)
        return [
            sys.executable,
            "-m",
            "devstack.smtp_sink",
            "--host",
            LOCALHOST,
            "--port",
            str(self.port),
            "--maildir",
            str(self.maildir),
        ]

    def env(self) -> dict[str, str]:
        """Unbuffered JSON logs: the output goes to a file."""
        return {**os.environ, "PYTHONUNBUFFERED": "1", "LOG_FORMAT": "json"}

    def ready(self) -> bool:
        """The SMTP greeting (220) arrives on a fresh connection."""
        try:
            with socket.create_connection((LOCALHOST, self.port), timeout=1) as sock:
                return sock.recv(3) == b"220"
        except OSError:
            return False
