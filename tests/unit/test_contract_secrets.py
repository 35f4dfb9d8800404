"""No event contract has a field that could hold a password, a hash or a token in clear."""

from __future__ import annotations

import re

import pytest
from contracts.catalogue import all_events
from contracts.events.base import IntegrationEvent

SECRET = re.compile(r"password|hash|token|secret", re.IGNORECASE)
# A token sealed to the notifications service is useless without that service's private key; a
# webhook secret's fingerprint (12 hex digits of its SHA-256) tells which secret signs, not what
# it is: the secret itself is 256 random bits.
ALLOWED = {"sealed_token", "secret_fingerprint"}


@pytest.mark.parametrize("event", all_events(), ids=lambda e: f"{e.event_type}.v{e.version}")
def test_no_event_field_holds_a_secret(event: type[IntegrationEvent]) -> None:
    suspicious = {name for name in event.model_fields if SECRET.search(name)} - ALLOWED
    assert not suspicious, f"{event.__name__} carries {suspicious}"
