"""GET /api/v1/me is answered by the gateway from memory, and still shows every change at once.

The gateway remembers profiles so it need not ask identity on every request; these scenarios
prove it does (identity is asked once for many GETs) and that a change made any other way shows
up promptly: an invitation accepted, a membership revoked by an admin, and a change another
gateway sent to identity (here: the command put straight on the bus), which this gateway only
learns from identity's published event.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import jwt
import nats
from contracts.commands.caller import Caller
from contracts.commands.my_account import ChangeProfile
from contracts.commands.profile import Profile
from contracts.commands.wire import parse_reply
from devstack.stack import Stack
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.identity.people import an_address
from tests.e2e.identity.tenants import (
    Person,
    accept,
    add_organisations,
    an_environment_admin,
    invite,
    sign_in,
)
from tests.e2e.system import me, token_in, wait_for_mails

PASSWORD = "a colleague's long passphrase"
# Well below the cache's age limit (30 s): a change seen within this came from invalidation.
PROMPTLY = 5.0


def profile_questions(system: Stack) -> float:
    """How many GetProfile questions identity has answered so far (its own metrics)."""

    async def ask() -> float:
        nc = await nats.connect(system.nats_url)
        try:
            reply = await nc.request("qry.identity.metrics", b"", timeout=5.0)
        finally:
            await nc.close()
        return sum(
            sample.value
            for family in text_string_to_metric_families(reply.data.decode())
            if family.name == "command_handling_seconds"
            for sample in family.samples
            if sample.name.endswith("_count")
            and sample.labels.get("subject") == "qry.identity.profile"
        )

    return asyncio.run(ask())


def organisations_on_me(system: Stack, person: Person) -> set[str]:
    answer = me(system, person.access_token)
    assert answer.status_code == 200, answer.text
    return {grant["organisation_id"] for grant in answer.json()["roles"]["organisations"]}


def eventually(read: Any, wanted: Any, within: float = PROMPTLY) -> Any:
    """Read until the value is the wanted one or time is up; the last value read."""
    deadline = time.monotonic() + within
    while True:
        value = read()
        if value == wanted or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def colleague_in(system: Stack, admin: Person, organisation_id: str) -> Person:
    """Invite a new colleague into one organisation and sign them in."""
    email = an_address("colleague")
    assert invite(system, admin, email, [organisation_id]).status_code == 201
    joined = accept(system, token_in(wait_for_mails(system, email)[0]), PASSWORD, "Bob Jansen")
    assert joined.status_code == 201, joined.text
    return sign_in(system, email, PASSWORD)


def test_many_gets_ask_identity_once(system: Stack) -> None:
    admin = an_environment_admin(system)
    first = me(system, admin.access_token)
    assert first.status_code == 200
    before = profile_questions(system)
    answers = [me(system, admin.access_token) for _ in range(20)]
    assert all(a.status_code == 200 and a.json() == first.json() for a in answers)
    assert profile_questions(system) - before <= 1


def test_memberships_granted_and_revoked_show_on_me_at_once(system: Stack) -> None:
    admin = an_environment_admin(system)
    sales, books = add_organisations(system, admin, "Sales BV", "Books BV")
    bob = colleague_in(system, admin, sales)
    assert organisations_on_me(system, bob) == {sales}
    assert organisations_on_me(system, bob) == {sales}  # now remembered by the gateway

    # Bob, who has an account already, accepts an invitation into Books.
    assert invite(system, admin, bob.email, [books]).status_code == 201
    [mail] = [
        m
        for m in wait_for_mails(system, bob.email, count=2)
        if "Books BV" in m.get_body(preferencelist=("plain",)).get_content()
    ]
    joined = accept(system, token_in(mail), PASSWORD, "Bob Jansen")
    assert joined.status_code == 201, joined.text
    assert joined.json()["new_account"] is False
    assert organisations_on_me(system, bob) == {sales, books}, "read back at once"

    # The admin takes Books away again.
    revoked = httpx.delete(
        f"{system.gateway_url}/api/v1/users/{bob.user_id}/memberships/{books}",
        headers=admin.headers,
        timeout=10,
    )
    assert revoked.status_code == 204, revoked.text
    assert eventually(lambda: organisations_on_me(system, bob), {sales}) == {sales}


def test_a_change_sent_to_identity_elsewhere_shows_on_me_promptly(system: Stack) -> None:
    person = an_environment_admin(system, "elsewhere")
    assert me(system, person.access_token).json()["full_name"] != "Changed Elsewhere"
    me(system, person.access_token)  # remembered now

    # Another gateway replica asks identity to rename the user; this gateway is not told.
    claims = jwt.decode(person.access_token, options={"verify_signature": False})
    caller = Caller(
        user_id=claims["sub"],
        environment_id=claims["env"],
        session_id=claims["sid"],
        role=claims["role"],
    )

    async def rename() -> Profile | Any:
        nc = await nats.connect(system.nats_url)
        try:
            command = ChangeProfile(caller=caller, full_name="Changed Elsewhere")
            reply = await nc.request(command.subject, command.model_dump_json().encode(), 10)
        finally:
            await nc.close()
        return parse_reply(reply.data, Profile)

    renamed = asyncio.run(rename())
    assert isinstance(renamed, Profile) and renamed.full_name == "Changed Elsewhere"

    def name() -> str:
        answer = me(system, person.access_token)
        assert answer.status_code == 200, answer.text
        value: str = answer.json()["full_name"]
        return value

    assert eventually(name, "Changed Elsewhere") == "Changed Elsewhere"
