"""examples/webhook_receiver.py takes a delivery signed the way the platform signs, and refuses
a wrong signature or an old timestamp."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from devstack.ports import free_port
from partners.domain.signing import new_secret, signature_header

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "webhook_receiver.py"
SECRET = new_secret()


@pytest.fixture(scope="module")
def receiver() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(EXAMPLE), "--port", str(port)],
        env={"WEBHOOK_SECRET": SECRET, "PATH": ""},
        stdout=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    for _ in range(100):
        try:
            httpx.get(url, timeout=0.2)
            break
        except httpx.HTTPError:
            time.sleep(0.05)
    yield url
    process.terminate()
    process.wait(5)


def deliver(url: str, secret: str, timestamp: int, event_id: str = "e-1") -> int:
    body = b'{"id":"e-1","type":"InvoiceReceived","organisationid":"o","data":{}}'
    stamp = str(timestamp)
    headers = {
        "X-Event-Id": event_id,
        "X-Timestamp": stamp,
        "X-Signature": signature_header([secret], stamp, body),
    }
    return httpx.post(url, content=body, headers=headers, timeout=5).status_code


def test_the_example_receiver_checks_signatures(receiver: str) -> None:
    now = int(time.time())
    assert deliver(receiver, new_secret(), now) == 401
    assert deliver(receiver, SECRET, now - 3600) == 400
    assert deliver(receiver, SECRET, now) == 204
    assert deliver(receiver, SECRET, now) == 200, "a repeat is acknowledged, not handled twice"
