"""Fresh people and client addresses for the identity scenarios."""

from __future__ import annotations

import itertools
import uuid

_clients = itertools.count(1)


def an_address(name: str = "user") -> str:
    """A fresh e-mail address."""
    return f"{name}-{uuid.uuid4().hex[:8]}@example.nl"


def a_client() -> str:
    """A fresh client IP address (the IPv6 documentation range), as a proxy forwards it."""
    return f"2001:db8::{next(_clients):x}"
