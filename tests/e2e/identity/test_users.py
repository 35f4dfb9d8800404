"""Environment admins see their environment's users and can end someone's access."""

from __future__ import annotations

import time

import httpx
from devstack.stack import Stack

from tests.e2e.identity.people import an_address
from tests.e2e.identity.tenants import (
    Person,
    accept,
    add_organisations,
    an_environment_admin,
    invite,
    sign_in,
    users,
)
from tests.e2e.system import published_events, token_in, wait_for_mails

PASSWORD = "a long enough passphrase for colleagues"


def revoke(stack: Stack, person: Person, user_id: str, organisation_id: str) -> httpx.Response:
    return httpx.delete(
        f"{stack.gateway_url}/api/v1/users/{user_id}/memberships/{organisation_id}",
        headers=person.headers,
        timeout=10,
    )


def a_colleague(stack: Stack, admin: Person, organisation_id: str, role: str) -> Person:
    email = an_address(role)
    assert invite(stack, admin, email, [organisation_id], role=role).status_code == 201
    assert accept(stack, token_in(wait_for_mails(stack, email)[0]), PASSWORD).status_code == 201
    return sign_in(stack, email, PASSWORD)


def test_an_admin_lists_the_users_of_the_environment_with_roles(system: Stack) -> None:
    admin = an_environment_admin(system)
    [sales] = add_organisations(system, admin, "Listed BV")
    colleague = a_colleague(system, admin, sales, "member")
    elsewhere = an_environment_admin(system, "elsewhere")

    listed = users(system, admin)
    assert listed.status_code == 200
    by_email = {u["email"]: u for u in listed.json()["users"]}
    assert set(by_email) == {admin.email, colleague.email}
    assert by_email[admin.email]["role"] == "admin"
    assert by_email[colleague.email]["role"] == "basic"
    assert elsewhere.email not in listed.text


def test_an_organisation_admin_sees_the_members_of_their_organisations_only(
    system: Stack,
) -> None:
    admin = an_environment_admin(system)
    sales, purchasing = add_organisations(system, admin, "Private BV", "Other BV")
    organiser = a_colleague(system, admin, sales, "admin")
    both = an_address("both")
    assert invite(system, admin, both, [sales, purchasing]).status_code == 201
    assert accept(system, token_in(wait_for_mails(system, both)[0]), PASSWORD).status_code == 201
    member = sign_in(system, both, PASSWORD)
    elsewhere = a_colleague(system, admin, purchasing, "member")

    listed = users(system, organiser)
    assert listed.status_code == 200, listed.text
    by_email = {u["email"]: u for u in listed.json()["users"]}
    assert set(by_email) == {organiser.email, member.email}  # not the environment admin
    assert elsewhere.email not in listed.text
    # what they administer, nothing of the other organisation
    assert [m["organisation_id"] for m in by_email[member.email]["memberships"]] == [sales]
    assert revoke(system, organiser, by_email[member.email]["id"], sales).status_code == 204


def test_others_may_not_list_users(system: Stack) -> None:
    admin = an_environment_admin(system)
    [sales] = add_organisations(system, admin, "Private BV")
    colleague = a_colleague(system, admin, sales, "member")
    answer = users(system, colleague)
    assert answer.status_code == 403
    assert answer.json()["type"] == "urn:problem:forbidden"
    assert httpx.get(f"{system.gateway_url}/api/v1/users").status_code == 401


def test_an_organisation_admin_revokes_a_member_and_it_is_published(system: Stack) -> None:
    admin = an_environment_admin(system)
    [sales] = add_organisations(system, admin, "Revoking BV")
    organiser = a_colleague(system, admin, sales, "admin")
    member = a_colleague(system, admin, sales, "member")

    assert revoke(system, member, organiser.user_id, sales).status_code == 403
    assert revoke(system, organiser, member.user_id, sales).status_code == 204
    assert revoke(system, organiser, member.user_id, sales).status_code == 404
    listed = {u["email"]: u for u in users(system, admin).json()["users"]}
    assert listed[member.email]["memberships"] == []
    revoked = [
        e["data"]
        for e in published_events(system, "events.identity.MembershipRevoked")
        if e["data"]["user_id"] == member.user_id
    ]
    assert [(r["organisation_id"], r["revoked_by"]) for r in revoked] == [
        (sales, organiser.user_id)
    ]
    # The member learns it by mail (an account mail: sent whatever their preferences).
    told = wait_for_mails(system, member.email, count=2)[1]
    assert told["X-Notification-Kind"] == "access_removed"
    assert "Revoking BV" in told["Subject"]
    assert "List-Unsubscribe" not in told
    deadline, kinds = time.monotonic() + 5, []
    while len(kinds) < 2 and time.monotonic() < deadline:
        kinds = [
            e["data"]["kind"]
            for e in published_events(system, "events.notifications.NotificationSent")
            if e["data"]["recipient"] == member.email
        ]
    assert kinds == ["invitation", "access_removed"]
