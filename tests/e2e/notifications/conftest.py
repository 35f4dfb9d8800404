"""Notification scenarios: the whole system with the SMTP sink, over HTTP.

Retries are quick here (MAIL_RETRY_DELAYS), so a mail server that is away for a few seconds
already sends mails through their last retry into the dead-letter stream and back out again.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from devstack.stack import Stack

from tests.e2e.notifications.mailbox import stack_settings
from tests.e2e.system import new_stack


@pytest.fixture(scope="package")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One system for the scenarios that do not stop parts of it."""
    stack = new_stack(tmp_path_factory.mktemp("notifications-var"), stack_settings())
    stack.start()
    try:
        stack.wait_ready(timeout=90)
        yield stack
    finally:
        stack.stop()
