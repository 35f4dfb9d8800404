"""Public contracts of the platform: integration events, their envelope, commands and replies.

Depends on pydantic alone; services share nothing else.
"""

from contracts.catalogue import (
    CATALOGUE,
    COMMANDS,
    CommandContract,
    UnknownEventType,
    all_events,
    model_for,
)
from contracts.envelope import Envelope, parse_event
from contracts.events.base import IntegrationEvent
from contracts.vocabulary import BOUNDED_CONTEXTS, BoundedContext, Language

__all__ = [
    "BOUNDED_CONTEXTS",
    "CATALOGUE",
    "COMMANDS",
    "BoundedContext",
    "CommandContract",
    "Envelope",
    "IntegrationEvent",
    "Language",
    "UnknownEventType",
    "all_events",
    "model_for",
    "parse_event",
]
