"""A service's public face on the bus: which domain events become which integration events,
and the envelope the relay publishes them in.

Each service names its mappings (domain event class -> contract) and where an envelope's
organisation, environment and cause come from; the wrapping is the same for all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from contracts.envelope import Envelope
from contracts.events.base import IntegrationEvent

from servicekit.relay import event_id

# (domain event, its integration event) -> a value for the envelope, or None.
EnvelopeField = Callable[[Any, IntegrationEvent], Any]


def from_domain_event(name: str) -> EnvelopeField:
    """The domain event's attribute `name` (None when it has none)."""
    return lambda domain_event, _public: getattr(domain_event, name, None)


def from_integration_event(name: str) -> EnvelopeField:
    """The integration event's attribute `name` (None when it has none)."""
    return lambda _domain_event, public: getattr(public, name, None)


def nothing(_domain_event: Any, _public: IntegrationEvent) -> None:
    """Leave the envelope's field empty."""
    return None


DOMAIN_ENVIRONMENT = from_domain_event("environment_id")
DOMAIN_ORGANISATION = from_domain_event("organisation_id")


class Outbound:
    """Maps domain events to the public contracts and wraps them for the relay."""

    def __init__(
        self,
        source: str,
        public: Mapping[str, Callable[[Any], IntegrationEvent]],
        *,
        environment: EnvelopeField = DOMAIN_ENVIRONMENT,
        organisation: EnvelopeField = DOMAIN_ORGANISATION,
        causation: EnvelopeField = nothing,
    ) -> None:
        self.source = source
        self._public = dict(public)
        self._environment = environment
        self._organisation = organisation
        self._causation = causation

    def to_integration_event(self, domain_event: Any) -> IntegrationEvent | None:
        """The public contract for a domain event, or None for one that stays inside."""
        mapping = self._public.get(type(domain_event).__qualname__)
        return None if mapping is None else mapping(domain_event)

    def to_envelope(self, domain_event: Any) -> Envelope | None:
        """Wrap the public form of a domain event for the relay; None when nothing is published.

        The envelope's id is derived from the event's place in its aggregate, so a relay that
        publishes it twice gives JetStream the same message id both times.
        """
        public = self.to_integration_event(domain_event)
        if public is None:
            return None
        return Envelope.wrap(
            public,
            id=event_id(domain_event.originator_id, domain_event.originator_version),
            source=self.source,
            time=domain_event.timestamp,
            subject=domain_event.originator_id,
            sequence=domain_event.originator_version,
            correlation_id=getattr(domain_event, "correlation_id", None) or None,
            causation_id=self._causation(domain_event, public),
            environment_id=self._environment(domain_event, public),
            organisation_id=self._organisation(domain_event, public),
        )
