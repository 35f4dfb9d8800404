"""A consumer refuses what it cannot trust, with an error that says why."""

import json
from datetime import datetime

import pytest
from contracts.envelope import Envelope, UnknownEventType, parse_event
from pydantic import ValidationError


def _tampered(envelope: Envelope, **changes: object) -> bytes:
    raw = json.loads(envelope.to_json())
    raw.update(changes)
    return json.dumps(raw).encode()


def test_an_event_type_nobody_knows_is_rejected_by_name(user_registered_envelope: Envelope) -> None:
    stranger = Envelope.from_json(_tampered(user_registered_envelope, type="UserTeleported"))

    with pytest.raises(UnknownEventType, match="UserTeleported") as raised:
        parse_event(stranger)

    assert isinstance(raised.value, ValueError)
    assert (raised.value.event_type, raised.value.version) == ("UserTeleported", 1)


def test_a_version_from_the_future_is_rejected_until_the_contracts_are_upgraded(
    user_registered_envelope: Envelope,
) -> None:
    future = Envelope.from_json(_tampered(user_registered_envelope, dataversion=99))

    with pytest.raises(UnknownEventType, match="version 99"):
        future.open()


def test_an_envelope_with_an_unknown_attribute_is_rejected(
    user_registered_envelope: Envelope,
) -> None:
    with pytest.raises(ValidationError, match="extra_forbidden"):
        Envelope.from_json(_tampered(user_registered_envelope, priority="high"))


def test_event_data_with_a_field_the_contract_lacks_is_rejected(
    user_registered_envelope: Envelope,
) -> None:
    data = {**user_registered_envelope.data, "password": "hunter2"}
    smuggled = Envelope.from_json(_tampered(user_registered_envelope, data=data))

    with pytest.raises(ValidationError, match="password"):
        smuggled.open()


def test_event_data_missing_a_field_is_rejected(user_registered_envelope: Envelope) -> None:
    data = {k: v for k, v in user_registered_envelope.data.items() if k != "email"}
    incomplete = Envelope.from_json(_tampered(user_registered_envelope, data=data))

    with pytest.raises(ValidationError, match="email"):
        incomplete.open()


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        ("specversion", "0.3"),
        ("time", datetime(2025, 3, 1, 9, 30).isoformat()),
        ("id", "not-a-uuid"),
        ("dataversion", 0),
        ("sequence", 0),
        ("datacontenttype", "application/xml"),
    ],
)
def test_an_envelope_breaking_the_cloudevents_rules_is_rejected(
    user_registered_envelope: Envelope, attribute: str, value: object
) -> None:
    with pytest.raises(ValidationError, match=attribute):
        Envelope.from_json(_tampered(user_registered_envelope, **{attribute: value}))


def test_a_published_envelope_cannot_be_changed_afterwards(
    user_registered_envelope: Envelope,
) -> None:
    with pytest.raises(ValidationError, match="frozen"):
        user_registered_envelope.type = "EmailVerified"  # type: ignore[misc]
