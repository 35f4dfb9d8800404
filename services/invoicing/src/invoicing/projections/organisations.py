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
            raise PermanentFailure(f"organisation {organisation_id} was already added")
        session.execute(
            known_organisations.insert().values(
                organisation_id=organisation_id,
                environment_id=str(event.environment_id),
                name=event.name,
                status="added",
                receiving=False,
                generate_pdf="if_missing",
                merge_attachments=False,
            )
        )
        for scheme, value in (
            ("0106", event.kvk_number),
            ("9944", event.vat_id),
            ("0190", event.oin),
        ):
            if value:
                _identify(session, organisation_id, f"{scheme}:{value}")
    elif isinstance(event, OrganisationActivated):
        _change(session, event, status="active")
    elif isinstance(event, ActivationRefused):
        _change(session, event, status="added")
    elif isinstance(event, OrganisationDetailsChanged):
        _change(session, event, name=event.name)
    elif isinstance(event, ReceivingEnabled):
        _change(session, event, receiving=True)
    elif isinstance(event, ReceivingDisabled):
        _change(session, event, receiving=False)
    elif isinstance(event, PdfOptionsChanged):
        _change(
            session,
            event,
            generate_pdf=event.generate_pdf,
            merge_attachments=event.merge_attachments,
        )
    elif isinstance(event, OrganisationMoved):
        _change(session, event, environment_id=str(event.environment_id))
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
        raise OrganisationNotYetKnown(f"organisation {organisation_id} is not known yet")


def _require_known(session: Session, organisation_id: str) -> None:
    if not session.execute(
        select(known_organisations.c.organisation_id).where(
            known_organisations.c.organisation_id == organisation_id
        )
    ).first():
        raise OrganisationNotYetKnown(f"organisation {organisation_id} is not known yet")
