"""The session scenario once more with every service's store on PostgreSQL."""

from __future__ import annotations

import pytest
from devstack.stack import Stack

from tests.e2e.identity.people import an_address
from tests.e2e.system import login, logout, me, refresh, verified_user

# The folder's own system runs on SQLite; the shared parametrised fixture brings PostgreSQL.
pytestmark = pytest.mark.parametrize("stack", ["postgres"], indirect=True)


def test_login_profile_refresh_reuse_and_logout_on_postgresql(stack: Stack) -> None:
    email = verified_user(stack, an_address("pg"))
    session = login(stack, email).json()
    assert me(stack, session["access_token"]).json()["email"] == email

    renewed = refresh(stack, session["refresh_token"]).json()
    assert me(stack, renewed["access_token"]).status_code == 200
    assert refresh(stack, session["refresh_token"]).status_code == 401, "spent"
    assert me(stack, renewed["access_token"]).status_code == 401, "its family ended"

    again = login(stack, email).json()
    assert logout(stack, again["access_token"]).status_code == 204
    assert me(stack, again["access_token"]).status_code == 401
    assert login(stack, email, "not the password at all").status_code == 401
