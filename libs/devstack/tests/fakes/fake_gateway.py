"""Stand-in for the gateway: answers GET /ready with 200 on GATEWAY_HOST:GATEWAY_PORT."""

from __future__ import annotations

import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from fake_service import _record


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/ready" else 404)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *_args: object) -> None:
        pass


def main() -> None:
    _record("env").with_suffix(".json").write_text(__import__("json").dumps(dict(os.environ)))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = ThreadingHTTPServer(
        (os.environ["GATEWAY_HOST"], int(os.environ["GATEWAY_PORT"])), Handler
    )
    server.serve_forever()


if __name__ == "__main__":
    main()
