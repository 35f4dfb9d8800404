"""The fake KvK register over HTTP (stdlib only), on KvK's paths, asking for an `apikey`."""

from __future__ import annotations

import json
import re
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import structlog

from devstack.kvk_fake.register import FakeRegister, fout

log = structlog.get_logger("devstack.kvk_fake")
# KvK serves production under /api and its test environment under /test/api: accept both.
ROUTE = re.compile(r"^(?P<prefix>(?:/test)?/api)/(?:v2/zoeken|v1/basisprofielen/(?P<nr>[^/]+))/?$")


class KvkFakeServer(ThreadingHTTPServer):
    """A threading HTTP server holding the fake register."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], register: FakeRegister) -> None:
        super().__init__(address, KvkRequestHandler)
        self.register = register


class KvkRequestHandler(BaseHTTPRequestHandler):
    """GET v2/zoeken and v1/basisprofielen/{kvkNummer}; anything else is a bare 404."""

    server: KvkFakeServer
    server_version = "devstack-kvk-fake/1"
    # Keep-alive, like the register: a client's connection pool is then exercised for real.
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        """Answer one question as the KvK register would."""
        url = urlsplit(self.path)
        route = ROUTE.match(url.path)
        if route is None:
            self._send(404, {"message": f"no such path: {url.path}"})
            return
        if not self.headers.get("apikey", "").strip():
            # KvK's gateway refuses a request without its key before any API sees it.
            self._send(*fout(401, "API-KEY", "Geef een geldige API-key mee in de header apikey."))
            return
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        base = f"http://{self.headers.get('Host', 'localhost')}{route['prefix']}"
        register = self.server.register
        if route["nr"] is None:
            answer = register.search(query, base)
        else:
            answer = register.profile(unquote(route["nr"]), query, base)
        self._send(*answer)

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """One structured line per request instead of the stdlib's stderr line."""
        log.info("kvk_request", request=self.requestline, status=args[1] if len(args) > 1 else "")


def serve(host: str, port: int, register: FakeRegister) -> None:
    """Serve until SIGTERM or SIGINT."""
    server = KvkFakeServer((host, port), register)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        # shutdown() waits for serve_forever to return, so it must run on another thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)
    log.info("kvk_fake_listening", host=host, port=port, registrations=len(register.registrations))
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    log.info("kvk_fake_stopped")
