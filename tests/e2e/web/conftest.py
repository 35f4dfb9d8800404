"""One running system for every page scenario in this folder, driven in headless Chromium.

The official e-invoicing rules are handed to it when they are here (../shared/einvoice or
EINVOICE_RULES_DIR); the invoice pages' scenarios skip, saying so, when they are not.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from devstack.stack import Stack

from tests.browser import require_browser
from tests.e2e.invoicing.documents import rules_dir
from tests.e2e.system import new_stack


@pytest.fixture(scope="package")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The whole system as processes, started once for the page scenarios (and only when
    there is a Chromium to drive: skipped, saying why, first)."""
    require_browser()
    rules = rules_dir()
    env = {"EINVOICE_RULES_DIR": str(rules)} if rules else {}
    stack = new_stack(tmp_path_factory.mktemp("web-var"), env)
    stack.start()
    try:
        stack.wait_ready(timeout=90)
        yield stack
    finally:
        stack.stop()
