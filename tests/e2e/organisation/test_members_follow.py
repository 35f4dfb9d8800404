"""An organisation moves to another environment and its people follow it, over HTTP.

Whoever works only for the organisation goes along (signing in again, now in the new
environment, still its member); whoever has another reason to stay keeps their account where it
is and loses only the membership; the old environment's admins no longer see the organisation,
the new one's admins see it and the people who came with it.
"""

from __future__ import annotations

from typing import Any

from devstack.stack import Stack

from tests.e2e.identity.people import an_address
from tests.e2e.identity.tenants import Person, accept, add_organisations, invite, sign_in, users
from tests.e2e.organisation.world import (
    a_kvk_number,
    active_organisation,
    admin,
    api,
    eventually,
    operator,
)
from tests.e2e.system import me, published_events, token_in, wait_for_mails

PASSWORD = "a long passphrase for a moving colleague"


def a_member(stack: Stack, inviter: Person, organisation_ids: list[str], name: str) -> Person:
    """Invited into the organisations, accepted through the mailed link, signed in."""
    email = an_address(name)
    # Identity learns the organisation from the organisation service's events: wait for it.
    assert eventually(lambda: invite(stack, inviter, email, organisation_ids).status_code == 201)
    joined = accept(stack, token_in(wait_for_mails(stack, email)[0]), PASSWORD)
    assert joined.status_code == 201, joined.text
    return sign_in(stack, email, PASSWORD)


def organisations_of(stack: Stack, person: Person) -> list[str]:
    profile: dict[str, Any] = me(stack, person.access_token).json()
    return [grant["organisation_id"] for grant in profile["roles"]["organisations"]]


def test_a_member_follows_the_organisation_and_the_old_environment_lets_go(
    system: Stack,
) -> None:
    old, new = admin(system, "old"), admin(system, "new")
    organisation = active_organisation(system, old, a_kvk_number())
    [other] = add_organisations(system, old, "Blijft Hier BV")
    member = a_member(system, old, [organisation["id"]], "follower")
    stayer = a_member(system, old, [organisation["id"], other], "stayer")

    moved = operator(
        system,
        "POST",
        f"/ops/api/organisations/{organisation['id']}/move",
        json={"environment_id": new.environment_id},
    )
    assert moved.status_code == 200, moved.text

    # The member's sessions of the old environment end: their token stops working.
    assert eventually(lambda: me(system, member.access_token).status_code == 401), (
        system.log_tails()
    )
    again = sign_in(system, member.email, PASSWORD)
    assert again.environment_id == new.environment_id
    profile = me(system, again.access_token).json()
    assert profile["environment_id"] == new.environment_id
    assert profile["roles"]["environment"] == "basic"
    assert organisations_of(system, again) == [organisation["id"]]
    path = f"/api/v1/organisations/{organisation['id']}"
    reached = api(system, again, "GET", path)
    assert reached.status_code == 200, reached.text
    assert reached.json()["environment_id"] == new.environment_id

    # The old environment's admin no longer reaches it; the stayer stays and lost only it.
    assert api(system, old, "GET", path).status_code == 404
    assert eventually(lambda: organisations_of(system, stayer) == [other])
    assert me(system, stayer.access_token).json()["environment_id"] == old.environment_id
    assert api(system, stayer, "GET", path).status_code == 404

    # The new environment's admin sees the member among their users, with the membership.
    listed = {u["email"]: u for u in users(system, new).json()["users"]}
    assert listed[member.email]["memberships"] == [
        {"organisation_id": organisation["id"], "role": "member"}
    ]
    assert member.email not in {u["email"] for u in users(system, old).json()["users"]}
    assert api(system, new, "GET", path).status_code == 200

    # The bus says so, once, without anything secret.
    followed = [
        e["data"]
        for e in published_events(system, "events.identity.UserMovedToEnvironment")
        if e["data"]["user_id"] == member.user_id
    ]
    assert followed == [
        {
            "user_id": member.user_id,
            "environment_id": new.environment_id,
            "from_environment_id": old.environment_id,
            "organisation_id": organisation["id"],
            "moved_at": followed[0]["moved_at"],
        }
    ]
    revoked = [
        e["data"]
        for e in published_events(system, "events.identity.MembershipRevoked")
        if e["data"]["user_id"] == stayer.user_id
    ]
    assert [r["organisation_id"] for r in revoked] == [organisation["id"]]
