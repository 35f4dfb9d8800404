"""Fixtures: fake service modules run as real processes."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from devstack import SERVICES, Stack, free_port

FAKES = Path(__file__).parent / "fakes"
FAKE_MODULES = {
    **{name: "fake_service" for name in SERVICES},
    "gateway": "fake_gateway",
}
StackFactory = Callable[..., Stack]


def fake_pythonpath() -> str:
    """PYTHONPATH that makes the fake modules importable by `python -m`."""
    return os.pathsep.join(p for p in (str(FAKES), os.environ.get("PYTHONPATH", "")) if p)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No inherited NATS/SMTP/KvK URLs or keys: the stack must bring its own."""
    for name in (
        "NATS_URL",
        "SMTP_URL",
        "KVK_BASE_URL",
        "KVK_API_KEY",
        "LOG_FORMAT",
        "IDENTITY_PRIVATE_KEY",
        "IDENTITY_PUBLIC_KEY",
        "NOTIFICATIONS_PRIVATE_KEY",
        "NOTIFICATIONS_PUBLIC_KEY",
        "IDENTITY_JWT_PRIVATE_KEY",
        "IDENTITY_JWT_PUBLIC_KEY",
        "OPERATOR_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def make_stack(tmp_path: Path, clean_env: None) -> Iterator[StackFactory]:
    """Build Stacks of fake services on free gateway ports; all stopped at teardown."""
    made: list[Stack] = []

    def factory(var_dir: Path | None = None, **kwargs: Any) -> Stack:
        extra = {"PYTHONPATH": fake_pythonpath(), **kwargs.pop("extra_env", {})}
        options: dict[str, Any] = {
            "gateway_port": free_port(),
            "log_to_files": True,
            "modules": FAKE_MODULES,
            "stop_timeout": 5.0,
            **kwargs,
        }
        stack = Stack(var_dir or tmp_path / "var", extra_env=extra, **options)
        made.append(stack)
        return stack

    yield factory
    for stack in made:
        stack.stop()


@pytest.fixture
def stack(make_stack: StackFactory) -> Stack:
    """A started stack of fake services."""
    s = make_stack()
    s.start()
    return s
