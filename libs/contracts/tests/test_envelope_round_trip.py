"""A producer wraps any catalogue event; a consumer on the other side gets the same event back."""

from datetime import UTC, date, datetime, timedelta, timezone
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin
from uuid import UUID

import pytest
from contracts.catalogue import all_events
from contracts.envelope import Envelope
from contracts.events.base import IntegrationEvent
from hypothesis import given
from hypothesis import strategies as st
from pydantic import AwareDatetime, BaseModel

aware_datetimes = st.datetimes(
    min_value=datetime(1970, 1, 2),
    max_value=datetime(9999, 12, 30),
    # RFC 3339 offsets are whole minutes; that is what a producer's clock can write.
    timezones=st.integers(min_value=-23 * 60, max_value=23 * 60).map(
        lambda minutes: timezone(timedelta(minutes=minutes))
    ),
)


def _strategy_for(annotation: Any) -> st.SearchStrategy[Any]:
    if annotation is UUID:
        return st.uuids()
    if annotation is AwareDatetime:
        return aware_datetimes
    if annotation is date:
        return st.dates()
    if annotation is str:
        return st.text()
    if annotation is bool:
        return st.booleans()
    if get_origin(annotation) is list:
        return st.lists(_strategy_for(get_args(annotation)[0]), max_size=5)
    if get_origin(annotation) is Literal:
        return st.sampled_from(get_args(annotation))
    if get_origin(annotation) in (Union, UnionType):
        return st.one_of(*(_strategy_for(arm) for arm in get_args(annotation)))
    if annotation is type(None):
        return st.none()
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return events_of(annotation)  # a value object inside an event (an address, say)
    raise NotImplementedError(f"teach the round-trip test to draw {annotation!r}")


def _counts(metadata: list[Any]) -> st.SearchStrategy[int]:
    """Integers within the field's bounds (`ge`/`le`), sizes and counts alike."""
    low = max([getattr(m, "ge", None) for m in metadata if hasattr(m, "ge")] or [-(2**53)])
    high = min([getattr(m, "le", None) for m in metadata if hasattr(m, "le")] or [2**53])
    return st.integers(min_value=low, max_value=high)


def _patterned(metadata: list[Any]) -> st.SearchStrategy[str] | None:
    """Strings matching the field's `pattern`, when it has one."""
    pattern = next(
        (getattr(m, "pattern", None) for m in metadata if getattr(m, "pattern", None)), None
    )
    return None if pattern is None else st.from_regex(pattern, fullmatch=True)


def events_of(model: type[BaseModel]) -> st.SearchStrategy[Any]:
    """Any valid instance of an event contract, field by field."""
    fields = {}
    for name, info in model.model_fields.items():
        patterned = _patterned(info.metadata)
        if info.annotation is int:
            fields[name] = _counts(info.metadata)
        elif patterned is not None:
            fields[name] = patterned
        else:
            fields[name] = _strategy_for(info.annotation)
    return st.builds(model, **fields)


@pytest.mark.parametrize("event_class", all_events(), ids=lambda e: f"{e.event_type}.v{e.version}")
@given(data=st.data())
def test_every_catalogue_event_survives_the_trip_over_the_bus(
    event_class: type[IntegrationEvent], data: st.DataObject
) -> None:
    event = data.draw(events_of(event_class), label="event")
    aggregate_id = data.draw(st.uuids(), label="aggregate id")
    envelope = Envelope.wrap(
        event,
        id=data.draw(st.uuids(), label="event id"),
        source=f"/services/{event_class.context}",
        time=data.draw(aware_datetimes, label="time"),
        subject=aggregate_id,
        sequence=data.draw(st.integers(min_value=1, max_value=2**53), label="sequence"),
        correlation_id=data.draw(st.text(), label="correlation id"),
        causation_id=data.draw(st.none() | st.text(), label="causation id"),
        environment_id=data.draw(st.none() | st.uuids(), label="environment id"),
    )

    received = Envelope.from_json(envelope.to_json())

    assert received == envelope
    assert received.open() == event
    assert received.type == event_class.event_type
    assert received.dataversion == event_class.version
    assert received.subject == str(aggregate_id)


def test_the_envelope_speaks_cloudevents_1_0(user_registered_envelope: Envelope) -> None:
    published = user_registered_envelope.model_dump(mode="json")

    assert published["specversion"] == "1.0"
    assert published["datacontenttype"] == "application/json"
    assert published["type"] == "UserRegistered"
    assert published["source"] == "/services/identity"
    assert published["sequence"] == 1
    assert {"id", "time", "subject", "data", "correlationid", "causationid"} <= published.keys()


def test_an_event_id_is_written_as_a_canonical_uuid() -> None:
    envelope = Envelope.model_validate(
        {
            "id": "{12345678-1234-5678-1234-567812345678}",
            "source": "/services/identity",
            "type": "UserRegistered",
            "time": datetime(2025, 1, 1, tzinfo=UTC),
            "dataversion": 1,
            "data": {},
        }
    )

    assert envelope.id == "12345678-1234-5678-1234-567812345678"


def test_an_event_is_published_on_its_context_subject() -> None:
    subjects = {event.nats_subject() for event in all_events()}

    assert "events.identity.UserRegistered" in subjects
    assert all(s == f"events.{s.split('.')[1]}.{s.split('.')[2]}" for s in subjects)
