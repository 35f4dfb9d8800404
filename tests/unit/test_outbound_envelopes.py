"""servicekit.outbound: the one wrapping every service's relay uses, and where each envelope
field comes from."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from contracts.events.base import IntegrationEvent
from contracts.events.organisation import ReceivingEnabled
from servicekit.outbound import Outbound, from_domain_event, from_integration_event, nothing
from servicekit.relay import event_id

ORGANISATION = uuid.uuid4()
ENVIRONMENT = uuid.uuid4()
# What the contract says, different on purpose from the domain event's own attributes.
CONTRACT_ORGANISATION = uuid.uuid4()
CONTRACT_ENVIRONMENT = uuid.uuid4()


@dataclass
class Switched:
    """Stands in for an eventsourcing domain event (only the attributes the wrapping reads)."""

    originator_id: uuid.UUID = field(default_factory=uuid.uuid4)
    originator_version: int = 3
    timestamp: datetime = field(default_factory=lambda: datetime.now(UTC))
    correlation_id: str = "corr-9"
    environment_id: uuid.UUID = ENVIRONMENT
    organisation_id: uuid.UUID = ORGANISATION
    event_id: str = "cause-1"


class Ignored:
    """A domain event that stays inside its service."""


def _public(e: Any) -> IntegrationEvent:
    return ReceivingEnabled(
        organisation_id=CONTRACT_ORGANISATION,
        environment_id=CONTRACT_ENVIRONMENT,
        changed_at=datetime.now(UTC),
    )


PUBLIC = {"Switched": _public}


def test_a_mapped_event_is_wrapped_with_a_stable_id_and_the_domain_events_routing() -> None:
    event = Switched()
    envelope = Outbound("/services/test", PUBLIC).to_envelope(event)
    assert envelope is not None
    assert envelope.id == str(event_id(event.originator_id, 3))
    assert (envelope.source, envelope.type) == ("/services/test", "ReceivingEnabled")
    assert (envelope.subject, envelope.sequence) == (str(event.originator_id), 3)
    assert envelope.correlationid == "corr-9"
    assert envelope.environmentid == str(ENVIRONMENT)
    assert envelope.organisationid == str(ORGANISATION)
    assert envelope.causationid is None


def test_each_field_can_come_from_elsewhere_or_stay_empty() -> None:
    event = Switched()
    outbound = Outbound(
        "/services/test",
        PUBLIC,
        environment=from_integration_event("environment_id"),
        organisation=lambda e, _public: e.originator_id,
        causation=from_domain_event("event_id"),
    )
    envelope = outbound.to_envelope(event)
    assert envelope is not None
    assert envelope.environmentid == str(CONTRACT_ENVIRONMENT)
    assert envelope.organisationid == str(event.originator_id)
    assert envelope.causationid == "cause-1"
    bare = Outbound("/services/test", PUBLIC, organisation=nothing).to_envelope(event)
    assert bare is not None and bare.organisationid is None


def test_an_unmapped_event_is_not_published() -> None:
    outbound = Outbound("/services/test", PUBLIC)
    assert outbound.to_integration_event(Ignored()) is None
    assert outbound.to_envelope(Ignored()) is None
