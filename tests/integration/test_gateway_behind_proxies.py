"""The gateway process believes forwarding headers only from GATEWAY_TRUSTED_PROXIES.

uvicorn rewrites the client address and scheme from X-Forwarded-For and X-Forwarded-Proto for
requests from 127.0.0.1 unless told not to. It did: any local process could then pick the
address password guessing is throttled by, or make a plain-HTTP visit look like https. Only the
real server shows this, so the gateway runs here as its own process.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from devstack.ports import free_port
from devstack.proc import ManagedProcess

from tests.conftest import new_keys


class LoneGateway(ManagedProcess):
    """`python -m gateway` alone, trusting no proxy (no other service is needed here)."""

    name = "gateway"

    def __init__(self, log_file: Path) -> None:
        super().__init__(log_file, start_timeout=30.0)
        self.url = f"http://127.0.0.1:{free_port()}"
        self._keys = new_keys()

    def argv(self) -> list[str]:
        return [sys.executable, "-m", "gateway"]

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "GATEWAY_PORT": self.url.rsplit(":", 1)[1],
            "NATS_URL": "nats://127.0.0.1:9",  # nothing listens: the page below needs no service
            "IDENTITY_PUBLIC_KEY": self._keys["IDENTITY_PUBLIC_KEY"],
            "IDENTITY_JWT_PUBLIC_KEY": self._keys["IDENTITY_JWT_PUBLIC_KEY"],
            "GATEWAY_TRUSTED_PROXIES": "",
        }

    def ready(self) -> bool:
        try:
            return httpx.get(f"{self.url}/health", timeout=1).status_code == 200
        except httpx.TransportError:
            return False


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[str]:
    process = LoneGateway(tmp_path / "gateway.log")
    process.start()
    try:
        yield process.url
    finally:
        process.stop()


def test_forwarding_headers_from_a_peer_that_is_no_trusted_proxy_change_nothing(
    gateway: str,
) -> None:
    forged = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}
    cookie = httpx.get(f"{gateway}/login", headers=forged).headers["set-cookie"].lower()
    assert "secure" not in cookie, "a plain-HTTP visit was taken for https"
