"""A rebuild's batch of organisation events leaves invoicing's read model exactly as the live
consumer's one-at-a-time effect does, or refuses as it would, writing nothing; on SQLite files,
for any sequence of the events the model follows (property-based)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from contracts.envelope import Envelope
from contracts.events.base import IntegrationEvent
from contracts.events.organisation import (
    ActivationRefused,
    ActivationRequested,
    IdentifierAdded,
    IdentifierRemoved,
    OrganisationActivated,
    OrganisationAdded,
    OrganisationDetailsChanged,
    OrganisationMoved,
    PdfOptionsChanged,
    ReceivingDisabled,
    ReceivingEnabled,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from invoicing.projections.organisation_batches import apply_organisation_events
from invoicing.projections.organisations import apply_organisation_event
from invoicing.state.tables import (
    create_state_tables,
    known_organisations,
    organisation_identifiers,
)
from sqlalchemy import Engine, create_engine, delete, select
from sqlalchemy.orm import Session

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ORGANISATIONS = [uuid.UUID(int=n) for n in range(1, 4)]
ENVIRONMENTS = [uuid.UUID(int=n) for n in range(10, 12)]
KVK_NUMBERS = ["10000001", "10000002"]
Replayed = tuple[Envelope, IntegrationEvent]


def _event(kind: str, organisation: uuid.UUID, environment: uuid.UUID, n: int) -> IntegrationEvent:
    about: dict[str, Any] = {"organisation_id": organisation, "environment_id": environment}
    participant = f"0106:{KVK_NUMBERS[n % 2]}"
    match kind:
        case "added":
            return OrganisationAdded(
                **about,
                name=f"Organisation {n}",
                source="kvk",
                kvk_number=KVK_NUMBERS[n % 2],
                vat_id="NL000099998B57" if n % 3 == 0 else None,
                added_at=NOW,
            )
        case "activated":
            return OrganisationActivated(**about, activated_at=NOW)
        case "refused":
            return ActivationRefused(**about, reason="no", refused_by="op", refused_at=NOW)
        case "renamed":
            return OrganisationDetailsChanged(
                **about, name=f"Renamed {n}", receiving=False, changed_at=NOW
            )
        case "receiving":
            return ReceivingEnabled(**about, changed_at=NOW)
        case "not-receiving":
            return ReceivingDisabled(**about, changed_at=NOW)
        case "pdf":
            return PdfOptionsChanged(
                **about,
                generate_pdf=("always", "never", "if_missing")[n % 3],
                merge_attachments=n % 2 == 0,
                changed_at=NOW,
            )
        case "moved":
            return OrganisationMoved(
                **about, from_environment_id=environment, name="x", moved_by="op", moved_at=NOW
            )
        case "identifier":
            return IdentifierAdded(
                **about,
                scheme="0106",
                value=KVK_NUMBERS[n % 2],
                participant_id=participant,
                receiving=True,
                name="x",
                added_at=NOW,
            )
        case "no-identifier":
            return IdentifierRemoved(
                **about,
                scheme="0106",
                value=KVK_NUMBERS[n % 2],
                participant_id=participant,
                removed_at=NOW,
            )
        case _:
            return ActivationRequested(**about, name="x", kvk_number="10000001", requested_at=NOW)


KINDS = [
    "added",
    "activated",
    "activated",
    "refused",
    "renamed",
    "receiving",
    "not-receiving",
    "pdf",
    "moved",
    "identifier",
    "no-identifier",
    "requested",
]


def _replayed(events: list[IntegrationEvent]) -> list[Replayed]:
    return [
        (
            Envelope.wrap(
                event,
                id=uuid.uuid4(),
                source="organisation",
                time=NOW,
                subject=None,
                sequence=None,
                correlation_id=None,
            ),
            event,
        )
        for event in events
    ]


# Mostly about the two organisations added before the batch, sometimes about a third that the
# batch may add (or not: then the events about it are refused, as a second addition is).
replayed_events = st.lists(
    st.builds(
        _event,
        st.sampled_from(KINDS),
        st.sampled_from([*ORGANISATIONS[:2]] * 4 + [ORGANISATIONS[2]]),
        st.sampled_from(ENVIRONMENTS),
        st.integers(0, 5),
    ),
    max_size=14,
).map(_replayed)
ADDED_BEFORE = _replayed(
    [
        _event("added", organisation, ENVIRONMENTS[0], n)
        for n, organisation in enumerate(ORGANISATIONS[:2])
    ]
)


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, Engine]]:
    folder: Path = tmp_path_factory.mktemp("batches")
    one_by_one = create_engine(f"sqlite:///{folder / 'one-by-one.db'}")
    batched = create_engine(f"sqlite:///{folder / 'batched.db'}")
    for engine in (one_by_one, batched):
        create_state_tables(engine)
    yield one_by_one, batched
    one_by_one.dispose()
    batched.dispose()


def _model(engine: Engine) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    with engine.connect() as connection:
        rows = {tuple(row) for row in connection.execute(select(known_organisations))}
        identifiers = {tuple(row) for row in connection.execute(select(organisation_identifiers))}
    return rows, identifiers


def _one_at_a_time(session: Session, events: list[Replayed]) -> Exception | None:
    """What the live consumer does; the first refusal, after which nothing more is applied."""
    for envelope, event in events:
        try:
            with session.begin_nested():
                apply_organisation_event(session, envelope, event)
        except Exception as refusal:
            return refusal
    return None


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(earlier=replayed_events, batch=replayed_events)
def test_a_batch_ends_where_the_events_one_at_a_time_end_or_refuses_as_they_would(
    engines: tuple[Engine, Engine], earlier: list[Replayed], batch: list[Replayed]
) -> None:
    one_by_one, batched = engines
    for engine in engines:
        with Session(engine) as session, session.begin():
            session.execute(delete(known_organisations))
            session.execute(delete(organisation_identifiers))
            # What earlier batches left: the same in both, applied one at a time.
            for envelope, event in ADDED_BEFORE + earlier:
                try:
                    with session.begin_nested():
                        apply_organisation_event(session, envelope, event)
                except Exception:
                    continue

    with Session(one_by_one) as session, session.begin():
        refusal = _one_at_a_time(session, batch)
    before = _model(batched)
    with Session(batched) as session:
        if refusal is None:
            with session.begin():
                apply_organisation_events(session, batch)
            assert _model(batched) == _model(one_by_one)
        else:
            with pytest.raises(type(refusal), match=str(refusal)), session.begin():
                apply_organisation_events(session, batch)
            assert _model(batched) == before
