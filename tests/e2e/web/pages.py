"""What the page scenarios share: people who sign up and log in through the pages."""

from __future__ import annotations

from typing import Any

from devstack.stack import Stack

from tests.e2e.identity.people import an_address
from tests.e2e.system import PASSWORD, verified_user


def a_verified_person(system: Stack, name: str, language: str = "en") -> str:
    """A person who signed up and confirmed their address (through the API: not the test)."""
    return verified_user(system, an_address(name), language=language)


def log_in(page: Any, system: Stack, email: str, password: str = PASSWORD) -> None:
    """Log in through the login page."""
    page.goto(f"{system.gateway_url}/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
