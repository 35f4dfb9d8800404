"""What the organisation scenarios share: people, KvK numbers, calls."""

from __future__ import annotations

import itertools
import json
import time
from importlib import resources
from typing import Any

import httpx
from devstack.stack import Stack

from tests.e2e.identity.tenants import Person, an_environment_admin

OPERATOR = "operator-token-for-the-organisation-scenarios-0123456789"


def _register_numbers() -> list[str]:
    data = json.loads(
        resources.files("devstack.kvk_fake").joinpath("organisations.json").read_text("utf-8")
    )
    return [
        r["kvkNummer"]
        for r in data["registrations"]
        if "fout" not in r and r["kvkNummer"] not in ("69599084", "68750110", "69599068")
    ]


_numbers = itertools.cycle(_register_numbers())


def a_kvk_number() -> str:
    """A made-up registration of the fake register no other scenario of this run uses."""
    return next(_numbers)


def admin(stack: Stack, name: str = "orgadmin") -> Person:
    """A new environment and its admin."""
    return an_environment_admin(stack, name)


def api(
    stack: Stack, person: Person | None, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    headers = dict(kwargs.pop("headers", {}))
    if person is not None:
        headers.update(person.headers)
    return httpx.request(
        method, f"{stack.gateway_url}{path}", headers=headers, timeout=20, **kwargs
    )


def operator(stack: Stack, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(
        method,
        f"{stack.gateway_url}{path}",
        headers={"Authorization": f"Bearer {OPERATOR}", "X-Operator": "scenario"},
        timeout=20,
        **kwargs,
    )


def add_from_register(stack: Stack, person: Person, kvk_number: str) -> dict[str, Any]:
    answer = api(stack, person, "POST", "/api/v1/organisations", json={"kvk_number": kvk_number})
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    assert answer.headers["location"] == f"/api/v1/organisations/{body['id']}"
    return body


def active_organisation(stack: Stack, person: Person, kvk_number: str) -> dict[str, Any]:
    """Added from the register, activation asked and approved by an operator."""
    added = add_from_register(stack, person, kvk_number)
    asked = api(stack, person, "POST", f"/api/v1/organisations/{added['id']}/activation")
    assert asked.status_code == 202, asked.text
    approved = operator(
        stack,
        "POST",
        f"/ops/api/organisations/{added['id']}/activation-decision",
        json={"approve": True},
    )
    assert approved.status_code == 200, approved.text
    body: dict[str, Any] = approved.json()
    return body


def eventually(check: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        outcome = check()
        if outcome or time.monotonic() > deadline:
            return outcome
        time.sleep(0.1)
