"""The organisation use cases on SQLite and PostgreSQL: tenancy, activation, receiving, moving.

Straight through the use cases (no NATS): what each one records, what it refuses, and that a
refusal leaves nothing behind. The HTTP scenarios are in tests/e2e/organisation.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from contracts.commands.caller import Caller
from contracts.commands.organisations import PdfOptions
from contracts.events.base import IntegrationEvent
from gateway.web.detail_words import detail_in
from organisation.application import OrganisationApplication
from organisation.domain.errors import Conflict, NotAllowed, NotFound
from organisation.entrypoints.handlers import problem_of
from organisation.integration.outbound import to_integration_event
from organisation.state.tables import create_state_tables, environment_registrations
from organisation.usecases.organisations import Organisations
from servicekit.eventstore import SharedDatabase, store_environment
from sqlalchemy import delete

ADDRESS = {"street": "Damrak", "house_number": "1", "postal_code": "1012 LG", "city": "Amsterdam"}


def a_caller(environment_id: uuid.UUID | None = None, role: str = "admin") -> Caller:
    return Caller(
        user_id=uuid.uuid4(),
        environment_id=environment_id or uuid.uuid4(),
        session_id=uuid.uuid4(),
        role=role,  # type: ignore[arg-type]
    )


@pytest.fixture
def app(database_url: str) -> OrganisationApplication:
    return OrganisationApplication(store_environment(database_url))


@pytest.fixture
def organisations(app: OrganisationApplication) -> Organisations:
    database = SharedDatabase(app)
    create_state_tables(database.engine)
    return Organisations(app, database, lambda: datetime.now(UTC))


def from_register(
    kvk: str = "69599084", establishment: str | None = "000037178598"
) -> dict[str, Any]:
    return {
        "name": "Test BV Donald",
        "source": "kvk",
        "kvk_number": kvk,
        "establishment_number": establishment,
        "vat_id": None,
        "oin": None,
        "rsin": "000000000",
        "legal_form": "Besloten Vennootschap",
        "address": ADDRESS,
    }


def by_hand(name: str = "Bakkerij De Korst") -> dict[str, Any]:
    return {
        "name": name,
        "source": "manual",
        "kvk_number": None,
        "establishment_number": None,
        "vat_id": "NL000099998B57",
        "oin": None,
        "rsin": None,
        "legal_form": None,
        "address": ADDRESS,
    }


def published(app: OrganisationApplication, organisation_id: uuid.UUID) -> list[IntegrationEvent]:
    events = [to_integration_event(e) for e in app.repository.event_store.get(organisation_id)]
    return [e for e in events if e is not None]


def test_an_organisation_is_only_visible_in_its_own_environment(
    organisations: Organisations,
) -> None:
    owner = a_caller()
    added = organisations.add(owner, **by_hand())
    assert organisations.get(owner, added.id).name == "Bakkerij De Korst"
    assert [o.id for o in organisations.listed(owner, None)] == [added.id]
    stranger = a_caller()
    with pytest.raises(NotFound):
        organisations.get(stranger, added.id)
    with pytest.raises(NotFound):
        organisations.set_receiving(stranger, added.id, True)
    assert organisations.listed(stranger, None) == []
    assert organisations.listed(owner, [uuid.uuid4()]) == []


def test_only_environment_admins_add_organisations(organisations: Organisations) -> None:
    with pytest.raises(NotAllowed):
        organisations.add(a_caller(role="advanced"), **by_hand())


def test_a_hand_made_organisation_cannot_be_activated(organisations: Organisations) -> None:
    owner = a_caller()
    added = organisations.add(owner, **by_hand())
    with pytest.raises(Conflict, match="KvK register"):
        organisations.request_activation(owner, added.id, automatic=True)
    assert organisations.get(owner, added.id).status == "added"


def test_activation_waits_for_an_operator_and_then_the_organisation_may_receive(
    app: OrganisationApplication, organisations: Organisations
) -> None:
    owner = a_caller()
    added = organisations.add(owner, **from_register())
    with pytest.raises(Conflict, match="only an active organisation"):
        organisations.set_receiving(owner, added.id, True)
    pending = organisations.request_activation(owner, added.id, automatic=False)
    assert pending.status == "activation_pending"
    assert [o.id for o in organisations.pending()] == [added.id]
    active = organisations.decide_activation("operator:ops", added.id, True, None)
    assert active.status == "active"
    assert organisations.pending() == []
    receiving = organisations.set_receiving(owner, added.id, True)
    assert receiving.receiving_enabled
    entry = organisations.participant("0106:69599084")
    assert entry is not None and entry["organisation_id"] == str(added.id)
    organisations.set_receiving(owner, added.id, False)
    assert organisations.participant("0106:69599084") is None
    kinds = [type(e).__name__ for e in published(app, added.id)]
    assert kinds == [
        "OrganisationAdded",
        "ActivationRequested",
        "OrganisationActivated",
        "ReceivingEnabled",
        "ReceivingDisabled",
    ]


def test_one_registration_is_active_in_one_environment_at_a_time(
    organisations: Organisations,
) -> None:
    first, second = a_caller(), a_caller()
    mine = organisations.add(first, **from_register())
    theirs = organisations.add(second, **from_register())
    organisations.request_activation(first, mine.id, automatic=True)
    with pytest.raises(Conflict, match=r"69599084.*another environment"):
        organisations.request_activation(second, theirs.id, automatic=True)
    assert organisations.get(second, theirs.id).status == "added"
    # Another establishment of the same company is another registration.
    branch = organisations.add(second, **from_register(establishment="000038509504"))
    assert organisations.request_activation(second, branch.id, automatic=True).status == "active"


def test_one_registration_is_added_once_per_environment(organisations: Organisations) -> None:
    owner = a_caller()
    first = organisations.add(owner, **from_register())
    with pytest.raises(
        Conflict, match=f"in your environment already, as Test BV Donald \\({first.id}\\)"
    ):
        organisations.add(owner, **from_register())
    assert [o.id for o in organisations.listed(owner, None)] == [first.id]
    # another establishment, another environment, or by hand: all fine
    organisations.add(owner, **from_register(establishment="000038509504"))
    organisations.add(a_caller(), **from_register())
    organisations.add(owner, **{**by_hand(), "kvk_number": "69599084"})


def test_two_copies_added_at_the_same_moment_are_refused_by_the_database(
    organisations: Organisations, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two replicas that both checked before either committed: the second insert of the
    environment's registration fails, and nothing of that addition is kept."""
    owner = a_caller()
    first = organisations.add(owner, **from_register())
    monkeypatch.setattr(organisations, "_require_new_here", lambda session, organisation: None)
    with pytest.raises(Conflict, match="by another request at the same moment") as refused:
        organisations.add(owner, **from_register())
    assert [o.id for o in organisations.listed(owner, None)] == [first.id]
    assert "op hetzelfde moment door een ander verzoek" in assert_dutch(refused)
    organisations.add(a_caller(), **from_register())  # another environment: its own claim


def test_an_organisation_does_not_move_to_an_environment_that_has_its_copy(
    organisations: Organisations,
) -> None:
    owner, other = a_caller(), a_caller()
    leaving = organisations.add(owner, **from_register())
    organisations.add(other, **from_register())
    with pytest.raises(Conflict, match="the target environment has KvK number 69599084") as moved:
        organisations.move("operator:ops", leaving.id, other.environment_id)
    assert "cannot move beside its own copy" in str(moved.value)
    assert organisations.get(owner, leaving.id).environment_id == owner.environment_id
    # Once moved elsewhere, the registration may be added again where it left.
    organisations.move("operator:ops", leaving.id, uuid.uuid4())
    organisations.add(owner, **from_register())


def test_a_copy_from_before_the_claims_still_stops_a_move_and_an_add(
    app: OrganisationApplication, organisations: Organisations
) -> None:
    """Copies added before environment_registrations existed hold no claim: the checks that
    read the organisations find them all the same."""
    owner, other = a_caller(), a_caller()
    old = organisations.add(owner, **from_register())
    database = SharedDatabase(app)
    with database.engine.begin() as connection:
        connection.execute(delete(environment_registrations))
    with pytest.raises(Conflict, match="in your environment already, as Test BV Donald"):
        organisations.add(owner, **from_register())
    elsewhere = organisations.add(other, **from_register())
    with pytest.raises(Conflict, match=f"already, as Test BV Donald \\({old.id}\\)"):
        organisations.move("operator:ops", elsewhere.id, owner.environment_id)
    assert organisations.get(other, elsewhere.id).environment_id == other.environment_id


def test_a_refused_activation_frees_the_registration(organisations: Organisations) -> None:
    first, second = a_caller(), a_caller()
    mine = organisations.add(first, **from_register())
    organisations.request_activation(first, mine.id, automatic=False)
    refused = organisations.decide_activation("operator:ops", mine.id, False, "not the owner")
    assert refused.status == "added"
    theirs = organisations.add(second, **from_register())
    assert organisations.request_activation(second, theirs.id, automatic=True).status == "active"


def test_a_participant_id_receives_at_one_organisation_only(organisations: Organisations) -> None:
    first, second = a_caller(), a_caller()
    one = organisations.add(first, **from_register(establishment="000037178598"))
    other = organisations.add(second, **from_register(establishment="000038509504"))
    for caller, organisation in ((first, one), (second, other)):
        organisations.request_activation(caller, organisation.id, automatic=True)
    organisations.set_receiving(first, one.id, True)
    with pytest.raises(Conflict, match="0106:69599084"):
        organisations.set_receiving(second, other.id, True)
    assert not organisations.get(second, other.id).receiving_enabled


def test_identifiers_of_a_receiving_organisation_follow_into_the_directory(
    organisations: Organisations,
) -> None:
    owner = a_caller()
    added = organisations.add(owner, **from_register())
    organisations.request_activation(owner, added.id, automatic=True)
    organisations.set_receiving(owner, added.id, True)
    organisations.add_identifier(owner, added.id, "9944", "NL000099998B57")
    assert organisations.participant("9944:NL000099998B57") is not None
    organisations.remove_identifier(owner, added.id, "9944")
    assert organisations.participant("9944:NL000099998B57") is None
    with pytest.raises(Conflict, match="register"):
        organisations.remove_identifier(owner, added.id, "0106")


def test_an_oin_from_a_kvk_number_or_rsin_belongs_to_that_organisation(
    organisations: Organisations,
) -> None:
    owner = a_caller()
    added = organisations.add(owner, **{**from_register(), "rsin": "003227376"})
    for someone_elses in ("00000003687501100000", "00000001004495445000"):
        with pytest.raises(Conflict, match="belongs to the organisation with that"):
            organisations.add_identifier(owner, added.id, "0190", someone_elses)
    assert organisations.get(owner, added.id).oin is None
    for own in ("00000003695990840000", "00000001003227376000", "00000099000000000001"):
        assert organisations.add_identifier(owner, added.id, "0190", own).oin == own
    without_rsin = organisations.add(
        owner, **{**from_register(establishment="000038509504"), "rsin": None}
    )
    with pytest.raises(Conflict, match="the register gives this one none"):
        organisations.add_identifier(owner, without_rsin.id, "0190", "00000001003227376000")
    # Nothing vouches for an organisation added by hand: it cannot be activated, so it
    # cannot send or receive by any identifier, and what it notes down is its own affair.
    made = organisations.add(owner, **by_hand())
    assert organisations.add_identifier(owner, made.id, "0190", "00000003687501100000").oin


def test_pdf_options_and_details_change_and_are_kept(organisations: Organisations) -> None:
    owner = a_caller()
    added = organisations.add(owner, **by_hand())
    assert added.pdf_options == PdfOptions(generate_pdf="if_missing", merge_attachments=False)
    organisations.set_pdf_options(
        owner, added.id, PdfOptions(generate_pdf="always", merge_attachments=True)
    )
    organisations.change(owner, added.id, "Bakkerij De Nieuwe Korst", None)
    seen = organisations.get(owner, added.id)
    assert seen.pdf_options.generate_pdf == "always" and seen.pdf_options.merge_attachments
    assert seen.name == "Bakkerij De Nieuwe Korst"
    assert seen.address is not None and seen.address.city == "Amsterdam"


def test_moving_keeps_everything_and_changes_who_sees_it(
    app: OrganisationApplication, organisations: Organisations
) -> None:
    owner, newcomer = a_caller(), a_caller()
    added = organisations.add(owner, **from_register())
    organisations.request_activation(owner, added.id, automatic=True)
    organisations.set_receiving(owner, added.id, True)
    moved = organisations.move("operator:ops", added.id, newcomer.environment_id)
    assert moved.environment_id == newcomer.environment_id
    assert moved.status == "active" and moved.receiving_enabled
    with pytest.raises(NotFound):
        organisations.get(owner, added.id)
    assert organisations.get(newcomer, added.id).id == added.id
    assert organisations.participant("0106:69599084") is not None
    last = published(app, added.id)[-1]
    assert type(last).__name__ == "OrganisationMoved"
    assert last.from_environment_id == owner.environment_id  # type: ignore[attr-defined]


# -- what a Dutch page makes of these refusals --------------------------------------------

# Words only an English sentence has.
DUTCH_ENGLISH = re.compile(r"\b(the|an?|only|first|one|it|is not|cannot|already|receives?|add)\b")


def said(refusal: pytest.ExceptionInfo[Conflict]) -> tuple[str, str]:
    detail = problem_of(refusal.value).detail
    assert detail is not None
    return detail, detail_in("nl", detail) or ""


def assert_dutch(refusal: pytest.ExceptionInfo[Conflict]) -> str:
    english, dutch = said(refusal)
    assert dutch != english and not DUTCH_ENGLISH.search(dutch), (english, dutch)
    assert not english.endswith(".."), english
    return dutch


def test_organisations_refusals_read_as_dutch(organisations: Organisations) -> None:
    owner, other = a_caller(), a_caller()
    by_hand_added = organisations.add(owner, **by_hand())
    with pytest.raises(Conflict) as refused:
        organisations.request_activation(owner, by_hand_added.id, automatic=True)
    assert_dutch(refused)

    mine = organisations.add(owner, **from_register())
    with pytest.raises(Conflict) as refused:
        organisations.set_receiving(owner, mine.id, True)
    assert "deze is nog niet geactiveerd" in assert_dutch(refused)
    organisations.request_activation(owner, mine.id, automatic=True)

    theirs = organisations.add(other, **from_register())
    with pytest.raises(Conflict) as refused:
        organisations.request_activation(other, theirs.id, automatic=True)
    assert "KvK-nummer 69599084 met vestigingsnummer 000037178598" in assert_dutch(refused)

    organisations.set_receiving(owner, mine.id, True)
    branch = organisations.add(other, **from_register(establishment="000038509504"))
    organisations.request_activation(other, branch.id, automatic=True)
    with pytest.raises(Conflict) as refused:
        organisations.set_receiving(other, branch.id, True)
    assert "0106:69599084" in assert_dutch(refused)

    with pytest.raises(Conflict) as refused:
        organisations.remove_identifier(owner, mine.id, "0106")
    assert_dutch(refused)

    with pytest.raises(Conflict) as refused:
        organisations.add(owner, **from_register())
    assert "staat al in je omgeving, als Test BV Donald" in assert_dutch(refused)

    with pytest.raises(Conflict) as refused:
        organisations.add_identifier(owner, mine.id, "0190", "00000003687501100000")
    assert "afgeleid van KvK-nummer 68750110, en dat van deze organisatie is 69599084" in (
        assert_dutch(refused)
    )
    with pytest.raises(Conflict) as refused:
        organisations.add_identifier(owner, mine.id, "0190", "00000001004495445000")
    assert "afgeleid van RSIN 004495445" in assert_dutch(refused)


def test_a_sentence_it_does_not_know_is_shown_as_it_came() -> None:
    assert detail_in("nl", "Something nobody taught us.") == "Something nobody taught us."
    assert detail_in("nl", None) is None
