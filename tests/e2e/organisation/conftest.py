"""Organisation scenarios: the whole system with the fake KvK register, over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from devstack.stack import Stack

from tests.e2e.system import new_stack

OPERATOR_TOKEN = "operator-token-for-the-organisation-scenarios-0123456789"


@pytest.fixture(scope="package")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Activation verified by an operator; the operator token set."""
    stack = new_stack(
        tmp_path_factory.mktemp("organisation-var"),
        {
            "GATEWAY_TRUSTED_PROXIES": "127.0.0.1",
            "ACTIVATION": "operator",
            "OPERATOR_TOKEN": OPERATOR_TOKEN,
        },
    )
    stack.start()
    try:
        stack.wait_ready(timeout=60)
        yield stack
    finally:
        stack.stop()
