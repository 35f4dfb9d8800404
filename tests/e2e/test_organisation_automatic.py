"""`make run`'s way: activation verified automatically; on SQLite and on PostgreSQL."""

from __future__ import annotations

from devstack.stack import Stack

from tests.e2e.identity.tenants import an_environment_admin
from tests.e2e.organisation.world import api, eventually


def test_an_organisation_from_the_register_is_active_at_once_and_can_receive(stack: Stack) -> None:
    person = an_environment_admin(stack, "automatic")
    added = api(stack, person, "POST", "/api/v1/organisations", json={"kvk_number": "69599068"})
    assert added.status_code == 201, added.text
    organisation = added.json()
    assert organisation["name"] == "Test Stichting Bolderbast"
    path = f"/api/v1/organisations/{organisation['id']}"
    activated = api(stack, person, "POST", f"{path}/activation")
    assert activated.status_code == 202 and activated.json()["status"] == "active"
    receiving = api(stack, person, "PUT", f"{path}/receiving", json={"enabled": True})
    assert receiving.status_code == 200, receiving.text
    directory = "/api/v1/directory/0106:69599068"
    assert eventually(lambda: api(stack, None, "GET", directory).status_code == 200)
    assert api(stack, None, "GET", directory).json()["name"] == "Test Stichting Bolderbast"
