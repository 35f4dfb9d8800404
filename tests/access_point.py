"""A fake access point over real HTTP: takes documents as invoicing.transport's relay hands them
over, and answers by the recipient, so tests can follow every outcome.

By the recipient's participant id (its value part):
- ending in `404`: unknown in the network;
- ending in `422`: refused, with a problem's detail;
- ending in `503`: always busy;
- ending in `777`: busy the first time for each Idempotency-Key, then taken;
- ending in `888`: taken, after SLOW_SECONDS;
- anything else: taken (201, `{"id": "AP-<n>"}`).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SLOW_SECONDS = 4.0


@dataclass
class HandedOver:
    """One request the access point saw."""

    headers: dict[str, str]
    body: bytes
    status: int
    answer: dict[str, Any]


@dataclass
class AccessPoint:
    """The running fake: its URL and what it saw."""

    url: str
    seen: list[HandedOver] = field(default_factory=list)

    def for_recipient(self, participant: str) -> list[HandedOver]:
        return [h for h in self.seen if h.headers.get("x-peppol-recipient") == participant]


@contextmanager
def access_point(token: str | None = None) -> Iterator[AccessPoint]:
    """Serve the fake on a free loopback port while the block runs."""
    lock = threading.Lock()
    tried: set[str] = set()
    taken: dict[str, str] = {}
    point: AccessPoint

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            if self.path != "/send":
                self.wrong_path()
                return
            status, answer = decide(headers)
            with lock:
                point.seen.append(HandedOver(headers, body, status, answer))
            payload = json.dumps(answer).encode()
            self.send_response(status)
            kind = "application/json" if status < 300 else "application/problem+json"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def wrong_path(self) -> None:
            """A web server's own answers: no such page (HTML), or a hand-over in progress."""
            status = 409 if self.path == "/conflict" else 404
            page = b"<html><body>Not here</body></html>"
            self.send_response(status)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *_args: Any) -> None:
            pass

    def decide(headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if token is not None and headers.get("authorization") != f"Bearer {token}":
            return 401, {"title": "Unauthorized"}
        recipient = headers.get("x-peppol-recipient", "")
        key = headers.get("idempotency-key", "")
        if recipient.endswith("404"):
            return 404, {"title": "Not Found", "detail": "No SMP registration."}
        if recipient.endswith("422"):
            return 422, {"title": "Refused", "detail": "The receiving access point said no"}
        if recipient.endswith("888"):
            time.sleep(SLOW_SECONDS)
        if recipient.endswith("503"):
            return 503, {"title": "Busy"}
        with lock:
            if recipient.endswith("777") and key not in tried:
                tried.add(key)
                return 503, {"title": "Busy"}
            reference = taken.setdefault(key, f"AP-{len(taken) + 1}")
        return 201, {"id": reference}

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    point = AccessPoint(f"http://127.0.0.1:{server.server_address[1]}/send")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield point
    finally:
        server.shutdown()
        server.server_close()
