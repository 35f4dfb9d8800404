"""The fake KvK register run as its own process."""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

from devstack.kvk_fake import KVK_TEST_API_KEY
from devstack.ports import LOCALHOST, free_port, port_is_free
from devstack.proc import ManagedProcess

DEFAULT_PORT = 8026


class KvkFakeProcess(ManagedProcess):
    """`python -m devstack.kvk_fake` on 127.0.0.1, answering under /api like api.kvk.nl."""

    name = "kvk-fake"

    def __init__(
        self,
        port: int | None = None,
        *,
        log_file: Path,
        data: Path | None = None,
        start_timeout: float = 15.0,
    ) -> None:
        super().__init__(log_file, start_timeout)
        if port is None:
            port = DEFAULT_PORT if port_is_free(DEFAULT_PORT) else free_port()
        self.port = port
        self.data = data

    @property
    def url(self) -> str:
        """The base URL a KvK client is given: http://127.0.0.1:<port>/api."""
        return f"http://{LOCALHOST}:{self.port}/api"

    @property
    def api_key(self) -> str:
        """A key the fake accepts: KvK's own public test key."""
        return KVK_TEST_API_KEY

    def describe(self) -> str:
        """Name and port, for error messages."""
        return f"fake KvK register on port {self.port}"

    def argv(self) -> list[str]:
        """The fake's module under this interpreter."""
        argv = [sys.executable, "-m", "devstack.kvk_fake", "--host", LOCALHOST]
        argv += ["--port", str(self.port)]
        if self.data is not None:
            argv += ["--data", str(self.data)]
        return argv

    def env(self) -> dict[str, str]:
        """Unbuffered JSON logs: the output goes to a file."""
        return {**os.environ, "PYTHONUNBUFFERED": "1", "LOG_FORMAT": "json"}

    def ready(self) -> bool:
        """A search for one of KvK's test numbers answers 200."""
        request = urllib.request.Request(  # noqa: S310
            f"{self.url}/v2/zoeken?kvkNummer=69599084", headers={"apikey": self.api_key}
        )
        try:
            with urllib.request.urlopen(request, timeout=1) as resp:  # noqa: S310
                return int(resp.status) == 200
        except (urllib.error.URLError, OSError):
            return False
