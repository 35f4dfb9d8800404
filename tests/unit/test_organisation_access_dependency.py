"""A route about one organisation asks identity first, and answers identity's 404 or 403."""

from __future__ import annotations

import uuid
from typing import Any

from contracts.commands.caller import Caller
from contracts.commands.invitations import AuthoriseOrganisation, OrganisationAccess
from gateway.bus import Bus
from gateway.organisation_access import organisation_access, organisation_administration
from gateway.problems import EXCEPTION_HANDLERS, Problem
from litestar import get
from litestar.di import NamedDependency, Provide
from litestar.testing import create_test_client

CALLER = Caller(
    user_id=uuid.uuid4(), environment_id=uuid.uuid4(), session_id=uuid.uuid4(), role="basic"
)
MINE, ADMINISTERED, FOREIGN = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


class IdentityOnTheBus(Bus):
    """Answers like identity would for a member of MINE and an admin of ADMINISTERED."""

    def __init__(self) -> None:
        super().__init__([], 1.0)
        self.asked: list[AuthoriseOrganisation] = []

    async def call(self, command: Any, result_model: Any, timeout: float | None = None) -> Any:
        self.asked.append(command)
        if command.organisation_id == FOREIGN:
            raise Problem(404, "urn:problem:not-found", "Not found")
        role = "admin" if command.organisation_id == ADMINISTERED else "member"
        if command.administer and role != "admin":
            raise Problem(403, "urn:problem:forbidden", "You may not do this")
        return OrganisationAccess(organisation_id=command.organisation_id, role=role)


@get("/organisations/{organisation_id:uuid}", dependencies={"access": Provide(organisation_access)})
async def read(access: NamedDependency[OrganisationAccess]) -> dict[str, str]:
    return {"role": access.role}


@get(
    "/organisations/{organisation_id:uuid}/settings",
    dependencies={"access": Provide(organisation_administration)},
)
async def settings(access: NamedDependency[OrganisationAccess]) -> dict[str, str]:
    return {"role": access.role}


def client(bus: IdentityOnTheBus) -> Any:
    return create_test_client(
        [read, settings],
        dependencies={
            "bus": Provide(lambda: bus, sync_to_thread=False),
            "caller": Provide(lambda: CALLER, sync_to_thread=False),
        },
        exception_handlers=EXCEPTION_HANDLERS,
    )


def test_a_member_reads_but_does_not_administer_and_another_tenant_is_404() -> None:
    bus = IdentityOnTheBus()
    with client(bus) as http:
        assert http.get(f"/organisations/{MINE}").json() == {"role": "member"}
        assert http.get(f"/organisations/{MINE}/settings").status_code == 403
        assert http.get(f"/organisations/{ADMINISTERED}/settings").json() == {"role": "admin"}
        foreign = http.get(f"/organisations/{FOREIGN}")
        assert foreign.status_code == 404
        assert foreign.headers["content-type"].startswith("application/problem+json")
    assert [q.administer for q in bus.asked] == [False, True, True, False]
    assert all(q.caller == CALLER for q in bus.asked)
