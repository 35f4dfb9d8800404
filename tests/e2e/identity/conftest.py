"""One running system for every identity scenario in this folder (SQLite).

The gateway trusts X-Forwarded-For from the loopback address here, so a test can play clients
at different addresses; each test uses its own addresses and accounts, so they do not meet.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from devstack.stack import Stack

from tests.e2e.system import new_stack


@pytest.fixture(scope="package")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The whole system as processes, started once for the folder."""
    stack = new_stack(
        tmp_path_factory.mktemp("identity-var"), {"GATEWAY_TRUSTED_PROXIES": "127.0.0.1"}
    )
    stack.start()
    try:
        stack.wait_ready(timeout=60)
        yield stack
    finally:
        stack.stop()
