"""Activation by an operator, receiving, the directory, PDF options, tenancy, moving."""

from __future__ import annotations

from devstack.stack import Stack

from tests.e2e.organisation.world import (
    a_kvk_number,
    active_organisation,
    add_from_register,
    admin,
    api,
    eventually,
    operator,
)
from tests.e2e.system import login, published_events


def test_activation_waits_for_the_operator_who_approves_it(system: Stack) -> None:
    person = admin(system)
    added = add_from_register(system, person, a_kvk_number())
    path = f"/api/v1/organisations/{added['id']}"
    asked = api(system, person, "POST", f"{path}/activation")
    assert asked.status_code == 202 and asked.json()["status"] == "activation_pending"
    pending = operator(system, "GET", "/ops/api/activations").json()["organisations"]
    assert added["id"] in [o["id"] for o in pending]
    # Only operators decide: not a user, not an anonymous caller.
    decision = f"/ops/api/organisations/{added['id']}/activation-decision"
    assert api(system, person, "POST", decision, json={"approve": True}).status_code == 403
    assert api(system, None, "POST", decision, json={"approve": True}).status_code == 401
    approved = operator(system, "POST", decision, json={"approve": True})
    assert approved.status_code == 200 and approved.json()["status"] == "active"
    assert api(system, person, "GET", path).json()["status"] == "active"
    again = operator(system, "POST", decision, json={"approve": True})
    assert again.status_code == 409


def test_a_refused_activation_is_back_to_added(system: Stack) -> None:
    person = admin(system)
    added = add_from_register(system, person, a_kvk_number())
    api(system, person, "POST", f"/api/v1/organisations/{added['id']}/activation")
    refused = operator(
        system,
        "POST",
        f"/ops/api/organisations/{added['id']}/activation-decision",
        json={"approve": False, "reason": "the register's owner did not confirm"},
    )
    assert refused.status_code == 200 and refused.json()["status"] == "added"


def test_a_hand_made_organisation_cannot_be_activated_nor_receive(system: Stack) -> None:
    person = admin(system)
    made = api(
        system,
        person,
        "POST",
        "/api/v1/organisations",
        json={"name": "Zelfgemaakt", "address": {"city": "Zwolle"}},
    ).json()
    refused = api(system, person, "POST", f"/api/v1/organisations/{made['id']}/activation")
    assert refused.status_code == 409
    assert "KvK register" in refused.json()["detail"]
    receiving = api(
        system,
        person,
        "PUT",
        f"/api/v1/organisations/{made['id']}/receiving",
        json={"enabled": True},
    )
    assert receiving.status_code == 409
    assert "active" in receiving.json()["detail"]


def test_one_registration_is_active_in_one_environment_at_a_time(system: Stack) -> None:
    number = a_kvk_number()
    first, second = admin(system, "first"), admin(system, "second")
    active_organisation(system, first, number)
    theirs = add_from_register(system, second, number)
    conflict = api(system, second, "POST", f"/api/v1/organisations/{theirs['id']}/activation")
    assert conflict.status_code == 409
    assert (
        number in conflict.json()["detail"] and "another environment" in conflict.json()["detail"]
    )


def test_receiving_lists_the_organisation_in_the_directory_and_the_prompt_stops(
    system: Stack,
) -> None:
    person = admin(system)
    organisation = active_organisation(system, person, a_kvk_number())
    participant = f"0106:{organisation['kvk_number']}"
    directory = f"/api/v1/directory/{participant}"
    assert api(system, None, "GET", directory).status_code == 404
    prompt = login(system, person.email).json()["receiving_prompt"]
    assert prompt["show"] is True
    assert organisation["id"] in [o["id"] for o in prompt["organisations"]]
    on = api(
        system,
        person,
        "PUT",
        f"/api/v1/organisations/{organisation['id']}/receiving",
        json={"enabled": True},
    )
    assert on.status_code == 200 and on.json()["receiving_enabled"] is True
    found = eventually(lambda: api(system, None, "GET", directory).status_code == 200)
    assert found
    entry = api(system, None, "GET", directory).json()
    assert entry["participant_id"] == participant
    assert entry["name"] == organisation["name"] and entry["receiving"] is True
    assert any("Invoice-2" in d for d in entry["document_types"])
    # Identity hears of it: the login prompt no longer asks about this organisation.
    assert eventually(
        lambda: login(system, person.email).json()["receiving_prompt"]["show"] is False
    )
    off = api(
        system,
        person,
        "PUT",
        f"/api/v1/organisations/{organisation['id']}/receiving",
        json={"enabled": False},
    )
    assert off.status_code == 200 and off.json()["receiving_enabled"] is False
    assert eventually(lambda: api(system, None, "GET", directory).status_code == 404)
    kinds = {
        e["type"]
        for e in published_events(system, "events.organisation.>")
        if e.get("subject") == organisation["id"]
    }
    assert {
        "OrganisationAdded",
        "ActivationRequested",
        "OrganisationActivated",
        "ReceivingEnabled",
        "ReceivingDisabled",
    } <= kinds


def test_pdf_options_are_self_service(system: Stack) -> None:
    person = admin(system)
    organisation = add_from_register(system, person, a_kvk_number())
    path = f"/api/v1/organisations/{organisation['id']}/pdf-options"
    chosen = api(
        system, person, "PUT", path, json={"generate_pdf": "always", "merge_attachments": True}
    )
    assert chosen.status_code == 200
    assert chosen.json()["pdf_options"] == {"generate_pdf": "always", "merge_attachments": True}
    bad = api(
        system, person, "PUT", path, json={"generate_pdf": "sometimes", "merge_attachments": "yes"}
    )
    assert bad.status_code == 422
    kept = api(system, person, "GET", f"/api/v1/organisations/{organisation['id']}").json()
    assert kept["pdf_options"]["generate_pdf"] == "always"


def test_another_environment_never_reaches_an_organisation(system: Stack) -> None:
    owner, stranger = admin(system, "owner"), admin(system, "stranger")
    organisation = add_from_register(system, owner, a_kvk_number())
    base = f"/api/v1/organisations/{organisation['id']}"
    calls = [
        ("GET", base, None),
        ("PATCH", base, {"name": "Mine now"}),
        ("POST", f"{base}/identifiers", {"scheme": "9944", "value": "NL000099998B57"}),
        ("DELETE", f"{base}/identifiers/0106", None),
        ("POST", f"{base}/activation", None),
        ("PUT", f"{base}/receiving", {"enabled": True}),
        ("PUT", f"{base}/pdf-options", {"generate_pdf": "never", "merge_attachments": False}),
    ]
    for method, path, body in calls:
        answer = (
            api(system, stranger, method, path, json=body)
            if body
            else api(system, stranger, method, path)
        )
        assert answer.status_code == 404, (method, path, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert api(system, stranger, "GET", "/api/v1/organisations").json() == {"organisations": []}
    unchanged = api(system, owner, "GET", base).json()
    assert unchanged == organisation


def test_an_operator_moves_an_organisation_with_everything_it_has(system: Stack) -> None:
    old, new = admin(system, "old"), admin(system, "new")
    organisation = active_organisation(system, old, a_kvk_number())
    api(
        system,
        old,
        "PUT",
        f"/api/v1/organisations/{organisation['id']}/receiving",
        json={"enabled": True},
    )
    moved = operator(
        system,
        "POST",
        f"/ops/api/organisations/{organisation['id']}/move",
        json={"environment_id": new.environment_id},
    )
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["environment_id"] == new.environment_id
    assert body["status"] == "active" and body["receiving_enabled"] is True
    path = f"/api/v1/organisations/{organisation['id']}"
    assert api(system, old, "GET", path).status_code == 404
    assert api(system, new, "GET", path).status_code == 200
    assert (
        api(system, None, "GET", f"/api/v1/directory/0106:{organisation['kvk_number']}").status_code
        == 200
    )
    # Identity follows: the new environment's admin may invite people into it.
    from tests.e2e.identity.people import an_address
    from tests.e2e.identity.tenants import invite

    assert eventually(
        lambda: invite(system, new, an_address("moved"), [organisation["id"]]).status_code == 201
    )
    assert invite(system, old, an_address("gone"), [organisation["id"]]).status_code == 404
