"""Fixtures shared by every tier: real servers on free loopback ports, keys, databases."""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from devstack.nats import NatsServerProcess
from devstack.ports import free_port
from nacl.signing import SigningKey
from servicekit.sealing import new_private_key, public_key_of

# Page tests: `browser` and `page` (headless Chromium), see tests/browser.py.
pytest_plugins = ["tests.browser"]

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def new_keys() -> dict[str, str]:
    """Fresh sealing keys for identity and notifications, and identity's token-signing pair."""
    identity, notifications = new_private_key(), new_private_key()
    signing = SigningKey.generate()
    return {
        "IDENTITY_PRIVATE_KEY": identity,
        "IDENTITY_PUBLIC_KEY": public_key_of(identity),
        "NOTIFICATIONS_PRIVATE_KEY": notifications,
        "NOTIFICATIONS_PUBLIC_KEY": public_key_of(notifications),
        "IDENTITY_JWT_PRIVATE_KEY": base64.b64encode(bytes(signing)).decode(),
        "IDENTITY_JWT_PUBLIC_KEY": base64.b64encode(bytes(signing.verify_key)).decode(),
    }


@pytest.fixture
def keys() -> dict[str, str]:
    """Fresh keys for one test."""
    return new_keys()


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServerProcess]:
    """A real nats-server with JetStream on a free port, its store in the test's folder."""
    server = NatsServerProcess(store_dir=tmp_path / "nats", port=free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _postgres_reachable() -> str | None:
    try:
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=2, autocommit=True):
            return None
    except Exception as error:
        return f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL} ({type(error).__name__})"


_POSTGRES_SKIP = _postgres_reachable()


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test; skipped, saying why, without a server."""
    if _POSTGRES_SKIP:
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail(f"{_POSTGRES_SKIP}; REQUIRE_POSTGRES is set (CI runs the PostgreSQL path)")
        pytest.skip(_POSTGRES_SKIP)
    import psycopg

    name = f"einvoice_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same scenario on the embedded default and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    url: str = request.getfixturevalue("postgres_database")
    return url
