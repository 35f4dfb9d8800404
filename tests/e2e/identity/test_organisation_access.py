"""The question every organisation route asks identity: may this caller act for it?"""

from __future__ import annotations

import asyncio
import uuid

import nats
import pytest
from contracts.commands.caller import Caller
from contracts.commands.invitations import AuthoriseOrganisation, OrganisationAccess
from devstack.stack import Stack
from servicekit.rpc import Refused, RpcClient

from tests.e2e.identity.people import an_address
from tests.e2e.identity.tenants import (
    Person,
    accept,
    add_organisations,
    an_environment_admin,
    invite,
    sign_in,
)
from tests.e2e.system import token_in, wait_for_mails

PASSWORD = "a long enough passphrase for members"


def ask(stack: Stack, person: Person, organisation_id: str, administer: bool = False) -> object:
    """The answer identity gives the gateway: the role, or the refusal's status."""
    caller = Caller(
        user_id=uuid.UUID(person.user_id),
        environment_id=uuid.UUID(person.environment_id),
        session_id=uuid.uuid4(),
        role="basic",
    )

    async def call() -> object:
        nc = await nats.connect(stack.nats_url)
        try:
            query = AuthoriseOrganisation(
                caller=caller, organisation_id=uuid.UUID(organisation_id), administer=administer
            )
            try:
                answer = await RpcClient(nc, 5).call(query, OrganisationAccess)
            except Refused as refusal:
                return refusal.problem.status
            return answer.role
        finally:
            await nc.close()

    return asyncio.run(call())


@pytest.mark.parametrize("role", ["member", "admin"])
def test_members_act_for_their_organisations_and_admins_administer_them(
    system: Stack, role: str
) -> None:
    admin = an_environment_admin(system)
    mine, other = add_organisations(system, admin, "Mine BV", "Not mine BV")
    email = an_address(role)
    invite(system, admin, email, [mine], role=role)
    accept(system, token_in(wait_for_mails(system, email)[0]), PASSWORD)
    person = sign_in(system, email, PASSWORD)

    assert ask(system, admin, other, administer=True) == "admin"
    assert ask(system, person, mine) == role
    assert ask(system, person, mine, administer=True) == (role if role == "admin" else 403)
    assert ask(system, person, other) == 403
    intruder = an_environment_admin(system, "intruder")
    assert ask(system, intruder, mine) == 404
    assert ask(system, intruder, str(uuid.uuid4())) == 404
