"""A webhook endpoint that checks every delivery's signature (standard library only).

    WEBHOOK_SECRET=whsec_... python examples/webhook_receiver.py --port 9000

Register http://<this host>:9000/ as the webhook URL (the platform refuses private addresses
unless WEBHOOK_ALLOW_PRIVATE_DESTINATIONS is set, as on the development stack). Each delivery:
    X-Event-Id    the event id (the same on a retry or a replay: use it to ignore repeats)
    X-Timestamp   Unix seconds when it was signed
    X-Signature   sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">, two of them comma-separated
                  while a secret is being rotated
Answer 2xx quickly once it is stored; anything else (or no answer in 10 s) is retried later.
During a rotation set WEBHOOK_SECRET to both secrets, comma-separated.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 300  # refuse old signatures: a captured delivery cannot be replayed later


def signature_valid(secrets: list[str], timestamp: str, body: bytes, header: str) -> bool:
    """True when one of the header's signatures is made with one of our secrets."""
    given = [part.strip() for part in header.split(",")]
    for secret in secrets:
        mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
        expected = "sha256=" + mac.hexdigest()
        if any(hmac.compare_digest(expected, value) for value in given):
            return True
    return False


class Deliveries(BaseHTTPRequestHandler):
    """Checks, then prints, each delivery."""

    secrets: list[str] = []
    seen: set[str] = set()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        timestamp = self.headers.get("X-Timestamp", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
            return self._answer(400, "stale or missing timestamp")
        if not signature_valid(self.secrets, timestamp, body, self.headers.get("X-Signature", "")):
            return self._answer(401, "bad signature")
        event_id = self.headers.get("X-Event-Id", "")
        if event_id in self.seen:
            return self._answer(200, "already had it")
        self.seen.add(event_id)
        event = json.loads(body)
        print(event["type"], event.get("organisationid"), json.dumps(event["data"]), flush=True)
        return self._answer(204, "")

    def _answer(self, status: int, text: str) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text.encode())


def main() -> None:
    """Serve until Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    args = parser.parse_args()
    Deliveries.secrets = [s for s in os.environ.get("WEBHOOK_SECRET", "").split(",") if s]
    if not Deliveries.secrets:
        parser.error("set WEBHOOK_SECRET to the secret from the webhook's registration")
    server = ThreadingHTTPServer((args.host, args.port), Deliveries)
    print(f"listening on http://{args.host}:{args.port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.server_close()


if __name__ == "__main__":
    main()
