"""A signed-in user for the scenarios about one's own account, and reading what was published."""

from __future__ import annotations

import time
from typing import Any

import httpx
from devstack.stack import Stack

from tests.e2e.identity.people import a_client, an_address
from tests.e2e.system import bearer, login, published_events, verified_user


def signed_in(system: Stack, name: str = "user") -> tuple[str, dict[str, Any]]:
    """A fresh verified user, logged in: their address and the login answer."""
    email = verified_user(system, an_address(name))
    answer = login(system, email, address=a_client())
    assert answer.status_code == 201, answer.text
    return email, answer.json()


def call(
    system: Stack, method: str, path: str, access_token: str | None, **kwargs: Any
) -> httpx.Response:
    """One request to the gateway, authenticated when a token is given."""
    headers = {**kwargs.pop("headers", {}), **(bearer(access_token) if access_token else {})}
    return httpx.request(
        method, f"{system.gateway_url}{path}", headers=headers, timeout=30, **kwargs
    )


def wait_for_event(
    system: Stack, event_type: str, user_id: str, timeout: float = 10.0
) -> list[dict[str, Any]]:
    """The published envelopes of one type about one user, once there is at least one."""
    deadline = time.monotonic() + timeout
    while True:
        found = [
            e
            for e in published_events(system, f"events.identity.{event_type}")
            if e["data"].get("user_id") == user_id
        ]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)
