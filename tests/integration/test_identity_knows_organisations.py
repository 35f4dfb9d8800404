"""Identity learns organisations from the organisation context's events, and only from them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from contracts.envelope import Envelope
from contracts.events.base import IntegrationEvent
from contracts.events.organisation import OrganisationAdded, ReceivingEnabled
from identity.domain.user import User
from identity.projections.organisations import (
    OrganisationNotYetKnown,
    apply_organisation_event,
    organisations_visible_to,
)
from identity.state.tables import create_state_tables
from servicekit.database import Database

ENVIRONMENT = uuid.uuid4()
NOW = datetime.now(UTC)


def envelope(event: IntegrationEvent) -> Envelope:
    return Envelope.wrap(
        event,
        id=uuid.uuid4(),
        source="/services/organisation",
        time=NOW,
        subject=None,
        sequence=1,
        correlation_id=None,
    )


def a_user(role: str) -> User:
    return User(
        email=f"{role}@example.nl",
        full_name=role,
        language="nl",
        environment_id=ENVIRONMENT,
        environment_name="example.nl",
        role=role,  # type: ignore[arg-type]
        email_preferences={},
        receiving_prompt_enabled=True,
    )


@pytest.fixture
def database(tmp_path: Path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'identity.db'}")
    create_state_tables(db.engine)
    return db


def apply(database: Database, event: IntegrationEvent) -> None:
    with database.transaction() as session:
        apply_organisation_event(session, envelope(event), event)


def test_an_admin_sees_every_organisation_of_the_environment_with_its_receiving_state(
    database: Database,
) -> None:
    bakery, garage = uuid.uuid4(), uuid.uuid4()
    for organisation_id, name in ((bakery, "Bakkerij"), (garage, "Garage")):
        apply(
            database,
            OrganisationAdded(
                organisation_id=organisation_id,
                environment_id=ENVIRONMENT,
                name=name,
                source="manual",
                added_at=NOW,
            ),
        )
    apply(
        database,
        ReceivingEnabled(organisation_id=garage, environment_id=ENVIRONMENT, changed_at=NOW),
    )
    apply(
        database,
        OrganisationAdded(
            organisation_id=uuid.uuid4(),
            environment_id=uuid.uuid4(),
            name="Elsewhere",
            source="manual",
            added_at=NOW,
        ),
    )
    with database.transaction(commit=False) as session:
        visible = organisations_visible_to(session, a_user("admin"))
    assert [(o.name, o.receiving_enabled) for o in visible] == [
        ("Bakkerij", False),
        ("Garage", True),
    ]


def test_a_basic_user_sees_only_the_organisations_they_are_a_member_of(database: Database) -> None:
    bakery = uuid.uuid4()
    apply(
        database,
        OrganisationAdded(
            organisation_id=bakery,
            environment_id=ENVIRONMENT,
            name="Bakkerij",
            source="manual",
            added_at=NOW,
        ),
    )
    user = a_user("basic")
    with database.transaction(commit=False) as session:
        assert organisations_visible_to(session, user) == []
    user.memberships[bakery] = "member"
    with database.transaction(commit=False) as session:
        assert [o.name for o in organisations_visible_to(session, user)] == ["Bakkerij"]


def test_a_change_that_overtakes_its_organisation_waits_for_it(database: Database) -> None:
    with pytest.raises(OrganisationNotYetKnown):
        apply(
            database,
            ReceivingEnabled(
                organisation_id=uuid.uuid4(), environment_id=ENVIRONMENT, changed_at=NOW
            ),
        )
