"""The whole system as processes: one stack per module, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from devstack.stack import Stack

from tests.conftest import _POSTGRES_SKIP, POSTGRES_ADMIN_URL
from tests.e2e.system import new_stack

DATABASE_SETTINGS = (
    "IDENTITY_DATABASE_URL",
    "ORGANISATION_DATABASE_URL",
    "INVOICING_DATABASE_URL",
    "NOTIFICATIONS_DATABASE_URL",
    "PARTNERS_DATABASE_URL",
)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """A running system; on PostgreSQL every service gets its own new database."""
    var_dir: Path = tmp_path_factory.mktemp("var")
    env: dict[str, str] = {}
    databases: list[str] = []
    if request.param == "postgres":
        if _POSTGRES_SKIP:
            if os.environ.get("REQUIRE_POSTGRES"):
                pytest.fail(_POSTGRES_SKIP)
            pytest.skip(_POSTGRES_SKIP)
        import psycopg

        base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            for setting in DATABASE_SETTINGS:
                name = f"einvoice_e2e_{uuid.uuid4().hex[:10]}"
                admin.execute(f'CREATE DATABASE "{name}"')
                databases.append(name)
                env[setting] = f"{base}/{name}"
    system = new_stack(var_dir, env)
    system.start()
    try:
        system.wait_ready(timeout=60)
        yield system
    finally:
        system.stop()
        if databases:
            import psycopg

            with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
                for name in databases:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
