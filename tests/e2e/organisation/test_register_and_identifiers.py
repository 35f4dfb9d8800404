"""The KvK register through the API, organisations by hand, identifiers and their checks."""

from __future__ import annotations

from devstack.stack import Stack

from tests.e2e.organisation.world import a_kvk_number, add_from_register, admin, api


def test_the_register_is_searched_by_name_number_and_place(system: Stack) -> None:
    person = admin(system)
    by_number = api(system, person, "GET", "/api/v1/kvk/search", params={"kvk_number": "68750110"})
    assert by_number.status_code == 200, by_number.text
    [hit] = [r for r in by_number.json()["results"] if r["establishment_number"]]
    assert hit["name"] == "Test BV Donald"
    assert set(hit["address"]) == {"street", "house_number", "postal_code", "city", "country"}
    by_name = api(system, person, "GET", "/api/v1/kvk/search", params={"q": "donald"})
    assert "68750110" in {r["kvk_number"] for r in by_name.json()["results"]}
    by_place = api(system, person, "GET", "/api/v1/kvk/search", params={"place": "Lochem"})
    assert by_place.status_code == 200
    assert all(r["address"]["city"].lower() == "lochem" for r in by_place.json()["results"])
    nothing = api(system, person, "GET", "/api/v1/kvk/search", params={"q": "zzzz-no-such-name"})
    assert nothing.status_code == 200 and nothing.json() == {"results": []}
    empty = api(system, person, "GET", "/api/v1/kvk/search")
    assert empty.status_code == 422
    anonymous = api(system, None, "GET", "/api/v1/kvk/search", params={"q": "donald"})
    assert anonymous.status_code == 401


def test_an_organisation_from_the_register_is_filled_in_from_it(system: Stack) -> None:
    person = admin(system)
    added = add_from_register(system, person, "68750110")
    assert added["name"] == "Test BV Donald"
    assert added["source"] == "kvk"
    assert added["kvk_number"] == "68750110"
    assert added["establishment_number"] == "000037178598"
    assert added["rsin"] == "857587973"
    assert added["legal_form"]
    assert added["address"]["city"]
    assert added["status"] == "added" and added["receiving_enabled"] is False
    assert added["identifiers"] == [
        {"scheme": "0106", "value": "68750110", "participant_id": "0106:68750110"}
    ]
    assert added["pdf_options"] == {"generate_pdf": "if_missing", "merge_attachments": False}
    again = api(system, person, "GET", f"/api/v1/organisations/{added['id']}")
    assert again.status_code == 200 and again.json() == added
    listed = api(system, person, "GET", "/api/v1/organisations").json()["organisations"]
    assert [o["id"] for o in listed] == [added["id"]]


def test_register_errors_are_clear_problems_and_nothing_is_added(system: Stack) -> None:
    person = admin(system)
    cases = {
        "12345678": 422,  # the register does not know it
        "90004973": 422,  # KvK's test case: no product for this number
        "90002903": 503,  # KvK's test case: a technical failure
        "1234": 422,  # not a KvK number at all
    }
    for number, status in cases.items():
        answer = api(system, person, "POST", "/api/v1/organisations", json={"kvk_number": number})
        assert answer.status_code == status, (number, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["detail"]
        if status == 503:
            assert int(answer.headers["retry-after"]) >= 1
    assert api(system, person, "GET", "/api/v1/organisations").json() == {"organisations": []}


def test_an_organisation_by_hand_has_its_identifiers_checked(system: Stack) -> None:
    person = admin(system)
    bad = api(
        system,
        person,
        "POST",
        "/api/v1/organisations",
        json={"name": "Bakkerij", "address": {"city": "Delft"}, "vat_id": "NL123456789B01"},
    )
    assert bad.status_code == 422
    [error] = bad.json()["errors"]
    assert error["field"] == "vat_id" and error["rule"] == "checksum"
    assert "NL" in error["message"] and "B" in error["message"]
    made = api(
        system,
        person,
        "POST",
        "/api/v1/organisations",
        json={
            "name": "Bakkerij De Korst",
            "address": {"street": "Markt", "house_number": "3", "city": "Delft"},
            "vat_id": "nl 0000.99998 b57",
        },
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["source"] == "manual" and body["vat_id"] == "NL000099998B57"
    organisation = f"/api/v1/organisations/{body['id']}"
    checks = {
        ("0106", "1234567"): "length",
        ("9944", "NL004495445B02x"): "format",
        ("0190", "0000000500000000000"): "length",
    }
    for (scheme, value), check in checks.items():
        answer = api(
            system,
            person,
            "POST",
            f"{organisation}/identifiers",
            json={"scheme": scheme, "value": value},
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["rule"] == check, answer.text
    unknown_scheme = api(
        system, person, "POST", f"{organisation}/identifiers", json={"scheme": "0088", "value": "1"}
    )
    assert unknown_scheme.status_code == 422
    kvk = a_kvk_number()
    added = api(
        system, person, "POST", f"{organisation}/identifiers", json={"scheme": "0106", "value": kvk}
    )
    assert added.status_code == 201, added.text
    assert {"scheme": "0106", "value": kvk, "participant_id": f"0106:{kvk}"} in added.json()[
        "identifiers"
    ]
    removed = api(system, person, "DELETE", f"{organisation}/identifiers/0106")
    assert removed.status_code == 200
    assert removed.json()["kvk_number"] is None
    renamed = api(system, person, "PATCH", organisation, json={"name": "Bakkerij De Nieuwe Korst"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Bakkerij De Nieuwe Korst"


def test_a_vat_id_the_registry_does_not_know_is_refused(system: Stack) -> None:
    person = admin(system)
    made = api(
        system,
        person,
        "POST",
        "/api/v1/organisations",
        json={"name": "Nergens BV", "address": {"city": "Utrecht"}},
    ).json()
    answer = api(
        system,
        person,
        "POST",
        f"/api/v1/organisations/{made['id']}/identifiers",
        json={"scheme": "9944", "value": "NL999999990B01"},
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["rule"] == "registration"


def test_only_environment_admins_add_organisations_and_members_only_read(system: Stack) -> None:
    from tests.e2e.identity.people import an_address
    from tests.e2e.identity.tenants import accept, invite, sign_in
    from tests.e2e.system import token_in, wait_for_mails

    owner = admin(system)
    mine = add_from_register(system, owner, a_kvk_number())
    other = add_from_register(system, owner, a_kvk_number())
    member_address = an_address("member")
    assert invite(system, owner, member_address, [mine["id"]]).status_code == 201
    accepted = accept(system, token_in(wait_for_mails(system, member_address)[0]))
    assert accepted.status_code == 201, accepted.text
    member = sign_in(system, member_address)
    listed = api(system, member, "GET", "/api/v1/organisations").json()["organisations"]
    assert [o["id"] for o in listed] == [mine["id"]]
    assert api(system, member, "GET", f"/api/v1/organisations/{mine['id']}").status_code == 200
    assert api(system, member, "GET", f"/api/v1/organisations/{other['id']}").status_code in (
        403,
        404,
    )
    change = api(system, member, "PATCH", f"/api/v1/organisations/{mine['id']}", json={"name": "X"})
    assert change.status_code == 403
    add = api(system, member, "POST", "/api/v1/organisations", json={"kvk_number": a_kvk_number()})
    assert add.status_code == 403


def test_an_oin_from_another_companys_kvk_number_is_refused(system: Stack) -> None:
    person = admin(system)
    kvk = a_kvk_number()
    made = api(system, person, "POST", "/api/v1/organisations", json={"kvk_number": kvk})
    assert made.status_code == 201, made.text
    identifiers = f"/api/v1/organisations/{made.json()['id']}/identifiers"
    other = next(n for n in ("69599084", "68750110") if n != kvk)
    theirs = api(
        system,
        person,
        "POST",
        identifiers,
        json={"scheme": "0190", "value": f"00000003{other}0000"},
    )
    assert theirs.status_code == 409, theirs.text
    assert theirs.json()["type"] == "urn:problem:organisation:conflict"
    assert other in theirs.json()["detail"] and kvk in theirs.json()["detail"]
    own = api(
        system, person, "POST", identifiers, json={"scheme": "0190", "value": f"00000003{kvk}0000"}
    )
    assert own.status_code == 201, own.text
    assert own.json()["oin"] == f"00000003{kvk}0000"
