"""The gateway process believes forwarding headers only from GATEWAY_TRUSTED_PROXIES.

uvicorn rewrites the client address and scheme from X-Forwarded-For and X-Forwarded-Proto for
requests from 127.0.0.1 unless told not to. It did: any local process could then pick the
address password guessing is throttled by, or make a plain-HTTP visit look like https. Only the
real server shows this, so the gateway runs here as its own process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from devstack.ports import free_port

from tests.conftest import new_keys


@pytest.fixture
def gateway() -> Iterator[str]:
    """`python -m gateway` alone, trusting no proxy (no other service is needed here)."""
    port = free_port()
    keys = new_keys()
    env = {
        **os.environ,
        "GATEWAY_PORT": str(port),
        "NATS_URL": "nats://127.0.0.1:9",  # nothing listens: the pages below need no service
        "IDENTITY_PUBLIC_KEY": keys["IDENTITY_PUBLIC_KEY"],
        "IDENTITY_JWT_PUBLIC_KEY": keys["IDENTITY_JWT_PUBLIC_KEY"],
        "GATEWAY_TRUSTED_PROXIES": "",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise AssertionError("the gateway did not start")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_forwarding_headers_from_a_peer_that_is_no_trusted_proxy_change_nothing(
    gateway: str,
) -> None:
    forged = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}
    cookie = httpx.get(f"{gateway}/login", headers=forged).headers["set-cookie"].lower()
    assert "secure" not in cookie, "a plain-HTTP visit was taken for https"
