"""Environments with organisations, as the identity scenarios about access need them.

Organisations are added through the API (by hand); identity learns them from the organisation
service's events, so the helpers wait until it has.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx
from devstack.stack import Stack

from tests.e2e.identity.people import a_client, an_address
from tests.e2e.system import PASSWORD, bearer, login, verified_user


@dataclass(frozen=True)
class Person:
    """A signed-in user of an environment."""

    email: str
    user_id: str
    environment_id: str
    access_token: str

    @property
    def headers(self) -> dict[str, str]:
        """The Authorization header."""
        return bearer(self.access_token)


def sign_in(stack: Stack, email: str, password: str = PASSWORD) -> Person:
    """Log in and keep what the scenarios need from the answer."""
    answer = login(stack, email, password, address=a_client())
    assert answer.status_code == 201, answer.text
    body = answer.json()
    return Person(email, body["user"]["id"], body["user"]["environment_id"], body["access_token"])


def an_environment_admin(stack: Stack, name: str = "admin") -> Person:
    """Sign up (which creates an environment) and sign in as its admin."""
    return sign_in(stack, verified_user(stack, an_address(name), language="en"))


def add_organisations(stack: Stack, owner: Person, *names: str) -> list[str]:
    """Add each organisation by hand through the API and wait until identity knows them all."""
    ids = []
    for name in names:
        answer = httpx.post(
            f"{stack.gateway_url}/api/v1/organisations",
            json={"name": name, "address": {"city": "Utrecht"}},
            headers=owner.headers,
            timeout=10,
        )
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["id"])
    wanted = {str(i) for i in ids}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        # An environment admin's login lists every organisation identity knows of.
        known = {o["id"] for o in _login_prompt(stack, owner.email)["organisations"]}
        if wanted <= known:
            return [str(i) for i in ids]
        time.sleep(0.1)
    raise AssertionError(f"identity did not learn {wanted}\n{stack.log_tails()}")


def _login_prompt(stack: Stack, email: str) -> dict[str, Any]:
    answer = login(stack, email, address=a_client())
    assert answer.status_code == 201, answer.text
    prompt: dict[str, Any] = answer.json()["receiving_prompt"]
    return prompt


def invite(
    stack: Stack,
    inviter: Person,
    email: str,
    organisation_ids: list[str],
    role: str = "member",
    language: str = "en",
) -> httpx.Response:
    """POST /api/v1/invitations."""
    return httpx.post(
        f"{stack.gateway_url}/api/v1/invitations",
        json={
            "email": email,
            "organisation_ids": organisation_ids,
            "role": role,
            "language": language,
        },
        headers=inviter.headers,
        timeout=10,
    )


def accept(
    stack: Stack, token: str, password: str = PASSWORD, full_name: str = "Invited Person"
) -> httpx.Response:
    """POST /api/v1/invitations/accept."""
    return httpx.post(
        f"{stack.gateway_url}/api/v1/invitations/accept",
        json={"token": token, "password": password, "full_name": full_name},
        timeout=10,
    )


def users(stack: Stack, person: Person) -> httpx.Response:
    """GET /api/v1/users."""
    return httpx.get(f"{stack.gateway_url}/api/v1/users", headers=person.headers, timeout=10)
