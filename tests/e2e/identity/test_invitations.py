"""An admin invites a colleague into chosen organisations; the mailed link makes the account."""

from __future__ import annotations

import time

import httpx
from devstack.stack import Stack

from tests.e2e.identity.people import an_address
from tests.e2e.identity.tenants import (
    accept,
    add_organisations,
    an_environment_admin,
    invite,
    sign_in,
    users,
)
from tests.e2e.system import me, published_events, token_in, verified_user, wait_for_mails

OTHER_PASSWORD = "another quite long passphrase for bob"


def test_an_invited_colleague_joins_the_chosen_organisations_as_a_basic_user(
    system: Stack,
) -> None:
    admin = an_environment_admin(system)
    sales, books = add_organisations(system, admin, "Sales BV", "Books BV")
    colleague = an_address("colleague")

    sent = invite(system, admin, colleague, [sales], role="member", language="en")
    assert sent.status_code == 201, sent.text
    assert sent.json()["organisation_ids"] == [sales]

    [mail] = wait_for_mails(system, colleague)
    assert mail["Subject"].endswith("invites you to E-invoicing")
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert f"{system.gateway_url}/accept-invitation?token=" in text and "Sales BV" in text
    token = token_in(mail)

    joined = accept(system, token, OTHER_PASSWORD, "Bob Jansen")
    assert joined.status_code == 201, joined.text
    assert joined.json()["environment_id"] == admin.environment_id
    assert joined.json()["new_account"] is True

    bob = sign_in(system, colleague, OTHER_PASSWORD)
    profile = me(system, bob.access_token).json()
    assert profile["roles"]["environment"] == "basic"
    assert profile["environment_id"] == admin.environment_id
    listed = {u["email"]: u for u in users(system, admin).json()["users"]}
    assert listed[colleague]["email_verified"] is True
    assert listed[colleague]["memberships"] == [{"organisation_id": sales, "role": "member"}]
    assert books not in str(listed[colleague])

    again = accept(system, token, OTHER_PASSWORD, "Bob Jansen")
    assert again.status_code == 400
    assert again.json()["type"] == "urn:problem:identity:invalid-invitation"


def test_the_events_tell_the_story_without_any_secret(system: Stack) -> None:
    admin = an_environment_admin(system)
    [sales] = add_organisations(system, admin, "Story BV")
    colleague = an_address("story")
    invitation_id = invite(system, admin, colleague, [sales], role="admin").json()["invitation_id"]
    token = token_in(wait_for_mails(system, colleague)[0])
    user_id = accept(system, token, OTHER_PASSWORD).json()["user_id"]

    deadline = time.monotonic() + 5
    kinds: list[str] = []
    while time.monotonic() < deadline:
        mine = [
            e
            for e in published_events(system, "events.identity.>")
            if invitation_id in str(e["data"]) or user_id in str(e["data"])
        ]
        kinds = [e["type"] for e in mine]
        if "MembershipGranted" in kinds:
            break
    # The new account is registered in the inviter's environment, verified by the link.
    assert kinds == [
        "UserInvited",
        "UserRegistered",
        "EmailVerified",
        "MembershipGranted",
        "InvitationAccepted",
    ]
    granted = next(e for e in mine if e["type"] == "MembershipGranted")["data"]
    assert granted["organisation_id"] == sales and granted["role"] == "admin"
    assert token not in str(mine) and OTHER_PASSWORD not in str(mine)


def test_the_mail_speaks_dutch_unless_asked_otherwise(system: Stack) -> None:
    admin = an_environment_admin(system)
    [sales] = add_organisations(system, admin, "Verkoop BV")
    colleague = an_address("dutch")
    body = {"email": colleague, "organisation_ids": [sales], "role": "member"}
    sent = httpx.post(
        f"{system.gateway_url}/api/v1/invitations", json=body, headers=admin.headers, timeout=10
    )
    assert sent.status_code == 201
    [mail] = wait_for_mails(system, colleague)
    assert "nodigt je uit" in mail["Subject"]


def test_only_admins_invite_and_only_to_what_they_administer(system: Stack) -> None:
    admin = an_environment_admin(system)
    sales, books = add_organisations(system, admin, "Own BV", "Other BV")
    organiser = an_address("organiser")
    invite(system, admin, organiser, [sales], role="admin")
    accept(system, token_in(wait_for_mails(system, organiser)[0]), OTHER_PASSWORD)
    org_admin = sign_in(system, organiser, OTHER_PASSWORD)

    assert invite(system, org_admin, an_address("ok"), [sales]).status_code == 201
    refused = invite(system, org_admin, an_address("no"), [sales, books])
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"] == "urn:problem:forbidden"

    member_address = an_address("member")
    invite(system, org_admin, member_address, [sales], role="member")
    accept(system, token_in(wait_for_mails(system, member_address)[0]), OTHER_PASSWORD)
    member = sign_in(system, member_address, OTHER_PASSWORD)
    assert invite(system, member, an_address("nope"), [sales]).status_code == 403


def test_unknown_organisations_are_a_404_problem(system: Stack) -> None:
    admin = an_environment_admin(system)
    answer = invite(system, admin, an_address("x"), ["00000000-0000-4000-8000-000000000000"])
    assert answer.status_code == 404
    assert answer.json()["type"] == "urn:problem:not-found"


def test_a_weak_password_is_refused_and_the_link_still_works(system: Stack) -> None:
    admin = an_environment_admin(system)
    [sales] = add_organisations(system, admin, "Weak BV")
    colleague = an_address("weak")
    invite(system, admin, colleague, [sales])
    token = token_in(wait_for_mails(system, colleague)[0])
    weak = accept(system, token, "passwordpassword")
    assert weak.status_code == 422
    assert weak.json()["type"] == "urn:problem:identity:weak-password"
    assert accept(system, token, OTHER_PASSWORD).status_code == 201


def test_a_made_up_token_is_a_400_problem(system: Stack) -> None:
    answer = accept(system, "made-up-token", OTHER_PASSWORD)
    assert answer.status_code == 400
    assert answer.json()["type"] == "urn:problem:identity:invalid-invitation"


def test_a_colleague_with_an_account_here_gets_the_memberships_on_accepting(
    system: Stack,
) -> None:
    admin = an_environment_admin(system)
    sales, books = add_organisations(system, admin, "First BV", "Second BV")
    colleague = an_address("twice-invited")
    invite(system, admin, colleague, [sales])
    accept(system, token_in(wait_for_mails(system, colleague)[0]), OTHER_PASSWORD)

    invite(system, admin, colleague, [books], role="admin")
    second = accept(
        system, token_in(wait_for_mails(system, colleague, count=2)[1]), "not used here at all"
    )
    assert second.status_code == 201, second.text
    assert second.json()["new_account"] is False
    listed = {u["email"]: u for u in users(system, admin).json()["users"]}
    assert {m["organisation_id"]: m["role"] for m in listed[colleague]["memberships"]} == {
        sales: "member",
        books: "admin",
    }


def test_an_address_with_an_account_in_another_environment_is_refused_on_accepting(
    system: Stack,
) -> None:
    admin = an_environment_admin(system)
    [sales] = add_organisations(system, admin, "Elsewhere BV")
    elsewhere = verified_user(system, an_address("elsewhere"))
    invite(system, admin, elsewhere, [sales])
    refused = accept(system, token_in(wait_for_mails(system, elsewhere, count=2)[1]))
    assert refused.status_code == 409
    assert refused.json()["type"] == "urn:problem:identity:account-in-other-environment"


def test_the_link_in_the_mail_opens_a_page_that_accepts(system: Stack) -> None:
    admin = an_environment_admin(system)
    [sales] = add_organisations(system, admin, "Page BV")
    colleague = an_address("page")
    invite(system, admin, colleague, [sales])
    token = token_in(wait_for_mails(system, colleague)[0])
    english = {"Accept-Language": "en"}
    form = httpx.get(
        f"{system.gateway_url}/accept-invitation", params={"token": token}, headers=english
    )
    assert form.status_code == 200 and 'type="password"' in form.text
    assert form.headers["referrer-policy"] == "no-referrer"
    # Who invites whom to what, before anything is asked.
    assert (
        "Test User invites you as a member of <strong>Page BV</strong>, in the environment"
        in form.text
    )
    assert f"The invitation is for <strong>{colleague}</strong> and is valid until" in form.text
    # A password the rules refuse: said in the page's language, the form again with the name.
    weak = httpx.post(
        f"{system.gateway_url}/accept-invitation",
        data={"token": token, "full_name": "Page Person", "password": "password1234"},
        headers={"Accept-Language": "nl"},
    )
    assert weak.status_code == 422 and "te makkelijk te raden" in weak.text
    assert 'type="password"' in weak.text and 'value="Page Person"' in weak.text
    done = httpx.post(
        f"{system.gateway_url}/accept-invitation",
        data={"token": token, "full_name": "Page Person", "password": OTHER_PASSWORD},
        headers=english,
    )
    assert done.status_code == 200 and "Welcome" in done.text and 'href="/login"' in done.text
    assert sign_in(system, colleague, OTHER_PASSWORD).environment_id == admin.environment_id


def test_the_page_joins_an_account_that_exists_here_without_asking_a_password(
    system: Stack,
) -> None:
    admin = an_environment_admin(system)
    sales, books = add_organisations(system, admin, "Join BV", "Join Twee BV")
    colleague = an_address("joiner")
    invite(system, admin, colleague, [sales])
    accept(system, token_in(wait_for_mails(system, colleague)[0]), OTHER_PASSWORD)
    invite(system, admin, colleague, [books], role="admin")
    token = token_in(wait_for_mails(system, colleague, count=2)[1])

    dutch = {"Accept-Language": "nl"}
    url = f"{system.gateway_url}/accept-invitation"
    offer = httpx.get(url, params={"token": token}, headers=dutch)
    assert offer.status_code == 200
    assert (
        "Test User nodigt je uit als beheerder van <strong>Join Twee BV</strong>, in de"
        in offer.text
    )
    assert "Je hebt hier al een account met dit adres" in offer.text
    assert 'type="password"' not in offer.text and 'name="full_name"' not in offer.text

    joined = httpx.post(url, data={"token": token}, headers=dutch)
    assert joined.status_code == 200 and "Je bestaande account heeft nu toegang" in joined.text
    listed = {u["email"]: u for u in users(system, admin).json()["users"]}
    assert {m["organisation_id"]: m["role"] for m in listed[colleague]["memberships"]} == {
        sales: "member",
        books: "admin",
    }
    spent = httpx.get(url, params={"token": token}, headers=dutch)
    assert spent.status_code == 400 and 'role="alert"' in spent.text
    assert 'type="password"' not in spent.text


def test_the_page_says_at_once_when_the_address_has_an_account_elsewhere(
    system: Stack,
) -> None:
    admin = an_environment_admin(system)
    [sales] = add_organisations(system, admin, "Elders BV")
    elsewhere = verified_user(system, an_address("elders"))
    invite(system, admin, elsewhere, [sales])
    token = token_in(wait_for_mails(system, elsewhere, count=2)[1])
    offer = httpx.get(
        f"{system.gateway_url}/accept-invitation",
        params={"token": token},
        headers={"Accept-Language": "en"},
    )
    assert offer.status_code == 409 and "another environment" in offer.text
    assert 'type="password"' not in offer.text
