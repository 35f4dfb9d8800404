"""Organisations as invoicing knows them, from the organisation events (never the other store).

Who may send (active), who receives and on which participant ids (the directory invoicing routes
by), each organisation's PDF options and environment. An organisation that moves takes its
invoices with it: they are filed by organisation, and the organisation's environment is what the
access checks compare.
"""

from __future__ import annotations

from contracts.envelope import Envelope
from contracts.events.base import IntegrationEvent
from contracts.events.organisation import (
    ActivationRefused,
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
from servicekit.consumer import PermanentFailure
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from invoicing.state.tables import known_organisations, organisation_identifiers

CONSUMER = "invoicing-organisations"
SUBJECT = "events.organisation.>"


class OrganisationNotYetKnown(Exception):
    """An event about an organisation whose OrganisationAdded has not been applied yet."""


def apply_organisation_event(session: Session, envelope: Envelope, event: IntegrationEvent) -> None:
    """Keep the read model up to date with one organisation event."""
    if isinstance(event, OrganisationAdded):
        organisation_id = str(event.organisation_id)
        if session.execute(
            select(known_organisations.c.organisation_id).where(
                known_organisations.c.organisation_id == organisation_id
            )
        ).first():
            raise PermanentFailure(already_added(organisation_id))
        session.execute(known_organisations.insert().values(**added_row(event)))
        for participant_id in participant_ids(event):
            _identify(session, organisation_id, participant_id)
    elif isinstance(event, IdentifierAdded):
        _require_known(session, str(event.organisation_id))
        _identify(session, str(event.organisation_id), event.participant_id)
    elif isinstance(event, IdentifierRemoved):
        session.execute(
            delete(organisation_identifiers).where(
                organisation_identifiers.c.participant_id == event.participant_id,
                organisation_identifiers.c.organisation_id == str(event.organisation_id),
            )
        )
    else:
        values = changed_values(event)
        if values is not None:
            _change(session, event, **values)


def added_row(event: OrganisationAdded) -> dict[str, object]:
    """The row an added organisation starts as: not yet active, not receiving."""
    return {
        "organisation_id": str(event.organisation_id),
        "environment_id": str(event.environment_id),
        "name": event.name,
        "status": "added",
        "receiving": False,
        "generate_pdf": "if_missing",
        "merge_attachments": False,
    }


def participant_ids(event: OrganisationAdded) -> list[str]:
    """The directory entries an added organisation brings: its KvK number, VAT id and OIN."""
    schemes = (("0106", event.kvk_number), ("9944", event.vat_id), ("0190", event.oin))
    return [f"{scheme}:{value}" for scheme, value in schemes if value]


def changed_values(event: IntegrationEvent) -> dict[str, object] | None:
    """The columns of an organisation's row an event sets (None: not an event that does)."""
    if isinstance(event, OrganisationActivated):
        return {"status": "active"}
    if isinstance(event, ActivationRefused):
        return {"status": "added"}
    if isinstance(event, OrganisationDetailsChanged):
        return {"name": event.name}
    if isinstance(event, ReceivingEnabled):
        return {"receiving": True}
    if isinstance(event, ReceivingDisabled):
        return {"receiving": False}
    if isinstance(event, PdfOptionsChanged):
        return {"generate_pdf": event.generate_pdf, "merge_attachments": event.merge_attachments}
    if isinstance(event, OrganisationMoved):
        return {"environment_id": str(event.environment_id)}
    return None


def already_added(organisation_id: str) -> str:
    """Why a second OrganisationAdded for the same organisation is refused."""
    return f"organisation {organisation_id} was already added"


def not_yet_known(organisation_id: str) -> OrganisationNotYetKnown:
    """The refusal of an event about an organisation not added yet (the consumer retries)."""
    return OrganisationNotYetKnown(f"organisation {organisation_id} is not known yet")


def _identify(session: Session, organisation_id: str, participant_id: str) -> None:
    exists = session.execute(
        select(organisation_identifiers.c.participant_id).where(
            organisation_identifiers.c.participant_id == participant_id,
            organisation_identifiers.c.organisation_id == organisation_id,
        )
    ).first()
    if exists is None:
        session.execute(
            organisation_identifiers.insert().values(
                participant_id=participant_id, organisation_id=organisation_id
            )
        )


def _change(session: Session, event: IntegrationEvent, **values: object) -> None:
    organisation_id = str(getattr(event, "organisation_id"))  # noqa: B009
    result = session.execute(
        update(known_organisations)
        .where(known_organisations.c.organisation_id == organisation_id)
        .values(**values)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise not_yet_known(organisation_id)


def _require_known(session: Session, organisation_id: str) -> None:
    if not session.execute(
        select(known_organisations.c.organisation_id).where(
            known_organisations.c.organisation_id == organisation_id
        )
    ).first():
        raise not_yet_known(organisation_id)
