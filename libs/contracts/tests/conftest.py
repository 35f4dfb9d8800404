"""Shared scenery: one registered user, wrapped as identity would publish it."""

from datetime import UTC, datetime
from uuid import UUID

import pytest
from contracts.envelope import Envelope
from contracts.events.identity import UserRegistered

ANNE = UUID("0a0a0a0a-0000-4000-8000-000000000001")
ANNES_ENVIRONMENT = UUID("0e0e0e0e-0000-4000-8000-000000000001")


@pytest.fixture
def user_registered() -> UserRegistered:
    return UserRegistered(
        user_id=ANNE,
        environment_id=ANNES_ENVIRONMENT,
        environment_name="Bakkerij de Vries",
        email="anne@bakkerij.example",
        full_name="Anne de Vries",
        language="nl",
        registered_at=datetime(2025, 3, 1, 9, 30, tzinfo=UTC),
    )


@pytest.fixture
def user_registered_envelope(user_registered: UserRegistered) -> Envelope:
    return Envelope.wrap(
        user_registered,
        id=UUID("e0e0e0e0-0000-4000-8000-000000000001"),
        source="/services/identity",
        time=datetime(2025, 3, 1, 9, 30, tzinfo=UTC),
        subject=ANNE,
        sequence=1,
        correlation_id="req-7f3a",
        environment_id=ANNES_ENVIRONMENT,
    )
