"""Operators see what consumers gave up on and why, requeue or discard it; they rebuild a read
model from the stream while the service keeps working, and it equals the live one."""

from __future__ import annotations

import sqlite3

from devstack.stack import Stack

from tests.e2e.ops.helpers import (
    dead_letters_of,
    get,
    invoicing_db,
    overview,
    publish_unreadable_event,
    read_model_rows,
    wait_until,
)
from tests.e2e.organisation.world import (
    a_kvk_number,
    active_organisation,
    add_from_register,
    admin,
    api,
    operator,
)

CONSUMER = "invoicing-organisations"


def test_a_dead_letter_shows_its_reason_and_can_be_requeued_or_discarded(system: Stack) -> None:
    before = {d["seq"] for d in dead_letters_of(system, CONSUMER)}
    publish_unreadable_event(system)
    letters = wait_until(
        lambda: [d for d in dead_letters_of(system, CONSUMER) if d["seq"] not in before],
        what="the dead letter",
    )
    letter = letters[0]
    assert letter["original_subject"] == "events.organisation.OrganisationAdded"
    assert "unreadable event" in letter["reason"]
    assert letter["correlation_id"] == "broken-producer"
    assert letter["requeueable"] is True
    assert 'dead_letter_depth{consumer="invoicing-organisations"' in get(system, "/metrics").text

    # Requeued, the consumer gets it again: still unreadable, so it comes back as a new letter.
    requeued = operator(system, "POST", f"/ops/api/dead-letters/{letter['seq']}/requeue")
    assert requeued.status_code == 200, requeued.text
    seen = before | {letter["seq"]}
    again = wait_until(
        lambda: [d for d in dead_letters_of(system, CONSUMER) if d["seq"] not in seen],
        what="the requeued message back in the dead letters",
    )
    assert letter["seq"] not in {d["seq"] for d in dead_letters_of(system, CONSUMER)}
    gone = operator(system, "POST", f"/ops/api/dead-letters/{letter['seq']}/requeue")
    assert gone.status_code == 404
    assert gone.headers["content-type"].startswith("application/problem+json")

    for d in again:
        assert operator(system, "DELETE", f"/ops/api/dead-letters/{d['seq']}").status_code == 204
    assert not {d["seq"] for d in again} & {d["seq"] for d in dead_letters_of(system, CONSUMER)}


def test_the_operations_api_is_for_operators_only(system: Stack) -> None:
    assert get(system, "/ops/api/overview").status_code == 401
    wrong = get(system, "/ops/api/overview", headers={"Authorization": "Bearer " + "x" * 40})
    assert wrong.status_code == 403
    unknown = operator(system, "POST", "/ops/api/read-models/invoicing/nothing/rebuild")
    assert unknown.status_code == 404
    assert (
        operator(system, "POST", "/ops/api/read-models/nobody/organisations/rebuild").status_code
        == 404
    )
    assert operator(system, "DELETE", "/ops/api/dead-letters/0").status_code in (400, 422)
    assert operator(system, "DELETE", "/ops/api/dead-letters/999999").status_code == 404


def _rebuilt(system: Stack) -> dict[str, object]:
    started = operator(system, "POST", "/ops/api/read-models/invoicing/organisations/rebuild")
    assert started.status_code == 202, started.text

    def finished() -> dict[str, object] | None:
        for row in overview(system)["read_models"]:
            status: dict[str, object] = row["status"]
            if (
                row["context"] == "invoicing"
                and status["state"] in ("done", "failed")
                and str(status["started_at"]) >= started.json()["started_at"]
            ):
                return status
        return None

    return wait_until(finished, timeout=60, what="the rebuild")


def test_a_rebuilt_read_model_equals_the_live_one_and_repairs_a_damaged_one(system: Stack) -> None:
    person = admin(system, "rebuilder")
    organisations = [active_organisation(system, person, a_kvk_number()) for _ in range(3)]
    organisations.append(add_from_register(system, person, a_kvk_number()))
    wanted = {o["id"] for o in organisations}
    wait_until(
        lambda: wanted <= {r[0] for r in read_model_rows(system)["known_organisations"]},
        what="invoicing's read model of the new organisations",
    )
    live = wait_until(lambda: _settled(system), what="the read model to settle")

    status = _rebuilt(system)
    assert status["state"] == "done", status
    assert status["matches_live"] is True and status["differences"] == 0, status
    assert status["rows"] == sum(len(rows) for rows in live.values())
    assert read_model_rows(system) == live

    # Damage the live model behind the service's back; a rebuild notices and repairs it.
    with sqlite3.connect(invoicing_db(system)) as db:
        db.execute(
            "DELETE FROM known_organisations WHERE organisation_id = ?", (organisations[0]["id"],)
        )
    status = _rebuilt(system)
    assert status["state"] == "done" and status["matches_live"] is False, status
    assert status["differences"] == 1
    assert read_model_rows(system) == live
    # ...and the service works on with the rebuilt tables: a new organisation arrives in them.
    later = add_from_register(system, person, a_kvk_number())
    wait_until(
        lambda: later["id"] in {r[0] for r in read_model_rows(system)["known_organisations"]},
        what="a new organisation in the rebuilt model",
    )
    answer = api(system, person, "GET", f"/api/v1/organisations/{organisations[1]['id']}")
    assert answer.status_code == 200


def _settled(system: Stack) -> dict[str, list[tuple[object, ...]]] | None:
    lag = [
        c["pending"] + c["ack_pending"]
        for s in overview(system)["streams"]
        for c in s["consumers"]
        if c["name"] == CONSUMER
    ]
    return read_model_rows(system) if lag == [0] else None
