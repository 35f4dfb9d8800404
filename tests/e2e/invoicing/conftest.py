"""Invoice scenarios: the whole system, two environments, the official rules over HTTP."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from devstack.stack import Stack

from tests.e2e.identity.tenants import Person
from tests.e2e.invoicing.documents import rules_dir
from tests.e2e.organisation.world import a_kvk_number, admin, api, eventually
from tests.e2e.system import new_stack


@pytest.fixture(scope="package")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Activation automatic, as in `make run`."""
    if rules_dir() is None:
        reason = (
            "the official e-invoicing rules are not here (../shared/einvoice or EINVOICE_RULES_DIR)"
        )
        if os.environ.get("REQUIRE_EINVOICE_RULES"):
            pytest.fail(reason)
        pytest.skip(reason)
    stack = new_stack(
        tmp_path_factory.mktemp("invoicing-var"),
        {"GATEWAY_TRUSTED_PROXIES": "127.0.0.1", "EINVOICE_RULES_DIR": str(rules_dir())},
    )
    stack.start()
    try:
        stack.wait_ready(timeout=90)
        yield stack
    finally:
        stack.stop()


@dataclass(frozen=True)
class Party:
    """A signed-in admin and their active organisation."""

    person: Person
    organisation: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.organisation["id"])

    @property
    def participant(self) -> str:
        return f"0106:{self.organisation['kvk_number']}"


def an_active_organisation(system: Stack, name: str, receiving: bool = False) -> Party:
    person = admin(system, name)
    added = api(
        system, person, "POST", "/api/v1/organisations", json={"kvk_number": a_kvk_number()}
    )
    assert added.status_code == 201, added.text
    organisation = added.json()
    path = f"/api/v1/organisations/{organisation['id']}"
    activated = api(system, person, "POST", f"{path}/activation")
    assert activated.json()["status"] == "active", activated.text
    if receiving:
        on = api(system, person, "PUT", f"{path}/receiving", json={"enabled": True})
        assert on.status_code == 200, on.text
    return Party(person, api(system, person, "GET", path).json())


@pytest.fixture(scope="package")
def sender(system: Stack) -> Party:
    return an_active_organisation(system, "sender")


@pytest.fixture(scope="package")
def receiver(system: Stack) -> Party:
    party = an_active_organisation(system, "receiver", receiving=True)
    assert eventually(
        lambda: (
            api(system, None, "GET", f"/api/v1/directory/{party.participant}").status_code == 200
        )
    )
    return party
