"""Organisations as identity knows them: from organisation events, never the other's store.

Used for the receiving prompt (which organisations does not receive yet) and for access
checks (an organisation id must belong to the caller's environment).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from contracts.envelope import Envelope
from contracts.events.base import IntegrationEvent
from contracts.events.organisation import (
    ActivationRefused,
    OrganisationActivated,
    OrganisationAdded,
    OrganisationDetailsChanged,
    OrganisationMoved,
    ReceivingDisabled,
    ReceivingEnabled,
)
from servicekit.consumer import PermanentFailure
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from identity.domain.receiving_prompt import OrganisationReceiving
from identity.domain.user import User
from identity.state.tables import known_organisations

CONSUMER = "identity-organisations"
SUBJECT = "events.organisation.>"


class OrganisationNotYetKnown(Exception):
    """An event about an organisation whose OrganisationAdded is still being retried."""


@dataclass(frozen=True)
class KnownOrganisation:
    """An organisation of some environment, as far as identity knows."""

    id: uuid.UUID
    environment_id: uuid.UUID
    name: str
    status: str
    receiving_enabled: bool


def apply_organisation_event(session: Session, envelope: Envelope, event: IntegrationEvent) -> None:
    """Keep the read model up to date with one organisation event."""
    if isinstance(event, OrganisationAdded):
        exists = session.execute(
            select(known_organisations.c.organisation_id).where(
                known_organisations.c.organisation_id == str(event.organisation_id)
            )
        ).first()
        if exists is not None:
            raise PermanentFailure(f"organisation {event.organisation_id} was already added")
        session.execute(
            known_organisations.insert().values(
                organisation_id=str(event.organisation_id),
                environment_id=str(event.environment_id),
                name=event.name,
                status="added",
                receiving_enabled=False,
                added_at=event.added_at,
            )
        )
    elif isinstance(event, OrganisationActivated):
        _change(session, event.organisation_id, status="active")
    elif isinstance(event, ReceivingEnabled):
        _change(session, event.organisation_id, receiving_enabled=True)
    elif isinstance(event, ReceivingDisabled):
        _change(session, event.organisation_id, receiving_enabled=False)
    elif isinstance(event, ActivationRefused):
        _change(session, event.organisation_id, status="added")
    elif isinstance(event, OrganisationDetailsChanged):
        _change(session, event.organisation_id, name=event.name)
    elif isinstance(event, OrganisationMoved):
        # The organisation now belongs to the other environment: its admins see it, and the
        # old environment's users no longer reach it (tenancy compares environments).
        _change(session, event.organisation_id, environment_id=str(event.environment_id))


def _change(session: Session, organisation_id: uuid.UUID, **values: object) -> None:
    result = session.execute(
        update(known_organisations)
        .where(known_organisations.c.organisation_id == str(organisation_id))
        .values(**values)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise OrganisationNotYetKnown(f"organisation {organisation_id} is not known yet")


def organisations_in_environment(
    session: Session, environment_id: uuid.UUID
) -> list[KnownOrganisation]:
    """Every organisation of one environment, by name."""
    rows = session.execute(
        select(known_organisations)
        .where(known_organisations.c.environment_id == str(environment_id))
        .order_by(known_organisations.c.name)
    )
    return [_known(row) for row in rows]


def find_organisation(session: Session, organisation_id: uuid.UUID) -> KnownOrganisation | None:
    """One organisation, or None when identity has not heard of it."""
    row = session.execute(
        select(known_organisations).where(
            known_organisations.c.organisation_id == str(organisation_id)
        )
    ).first()
    return _known(row) if row is not None else None


def organisations_visible_to(session: Session, user: User) -> Sequence[OrganisationReceiving]:
    """The user's organisations: all of the environment for its admins, else their memberships."""
    organisations = organisations_in_environment(session, user.environment_id)
    if user.role != "admin":
        organisations = [o for o in organisations if o.id in user.memberships]
    return [OrganisationReceiving(o.id, o.name, o.receiving_enabled) for o in organisations]


def _known(row: object) -> KnownOrganisation:
    mapping = row._mapping  # type: ignore[attr-defined]
    return KnownOrganisation(
        id=uuid.UUID(mapping["organisation_id"]),
        environment_id=uuid.UUID(mapping["environment_id"]),
        name=mapping["name"],
        status=mapping["status"],
        receiving_enabled=bool(mapping["receiving_enabled"]),
    )
