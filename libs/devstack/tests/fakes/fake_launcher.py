"""`python -m devstack` with the fake service modules instead of the real ones."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import devstack.__main__ as launcher
from devstack.stack import Stack

FAKE_MODULES = {
    "identity": "fake_service",
    "organisation": "fake_service",
    "invoicing": "fake_service",
    "notifications": "fake_service",
    "gateway": "fake_gateway",
}


class FakeStack(Stack):
    def __init__(self, var_dir: Path, **kwargs: Any) -> None:
        super().__init__(var_dir, modules=FAKE_MODULES, log_to_files=True, **kwargs)


launcher.Stack = FakeStack  # type: ignore[attr-defined, assignment]
sys.exit(launcher.main(sys.argv[1:]))
