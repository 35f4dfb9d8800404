"""What the operations scenarios share: operator calls, dead letters, the read model on disk."""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import nats
from devstack.stack import Stack

from tests.e2e.organisation.world import operator


def overview(stack: Stack) -> dict[str, Any]:
    """GET /ops/api/overview as the operator."""
    answer = operator(stack, "GET", "/ops/api/overview")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def wait_until(check: Any, timeout: float = 20.0, what: str = "condition") -> Any:
    """Poll `check` until it answers something true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        outcome = check()
        if outcome:
            return outcome
        time.sleep(0.2)
    raise AssertionError(f"{what} not reached in {timeout}s")


def publish_unreadable_event(
    stack: Stack, subject: str = "events.organisation.OrganisationAdded"
) -> None:
    """Put a message no consumer can read on the EVENTS stream (they dead-letter it)."""

    async def publish() -> None:
        nc = await nats.connect(stack.nats_url)
        try:
            await nc.jetstream().publish(
                subject,
                b"this is not a CloudEvents envelope",
                stream="EVENTS",
                headers={"Nats-Msg-Id": str(uuid.uuid4()), "X-Correlation-Id": "broken-producer"},
            )
        finally:
            await nc.close()

    # In a thread of its own: page tests run Playwright's event loop in this one.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, publish()).result()


def dead_letters_of(stack: Stack, consumer: str) -> list[dict[str, Any]]:
    """The dead letters one consumer left (newest first)."""
    return [d for d in overview(stack)["dead_letters"] if d["consumer"] == consumer]


def invoicing_db(stack: Stack) -> Path:
    """Invoicing's SQLite file in the stack's var/."""
    return Path(stack.var_dir) / "invoicing.db"


def read_model_rows(stack: Stack) -> dict[str, list[tuple[Any, ...]]]:
    """Invoicing's read model of organisations, straight from its database, sorted."""
    with sqlite3.connect(invoicing_db(stack)) as db:
        return {
            table: sorted(db.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            for table in ("known_organisations", "organisation_identifiers")
        }


def page_url(stack: Stack, path: str = "/ops") -> str:
    """An address of the gateway, as the browser uses it."""
    return f"{stack.gateway_url}{path}"


def get(stack: Stack, path: str, **kwargs: Any) -> httpx.Response:
    """A plain GET on the gateway."""
    return httpx.get(f"{stack.gateway_url}{path}", timeout=20, **kwargs)
