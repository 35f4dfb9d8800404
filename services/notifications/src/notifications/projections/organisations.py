"""Organisations (name, environment, status, receiving) and the invoice facts mails need,
learnt only from the organisation and invoicing contexts' events."""

from __future__ import annotations

from typing import Any

from contracts.events.base import IntegrationEvent
from contracts.events.invoicing import InvoiceSubmitted
from contracts.events.organisation import (
    ActivationRefused,
    ActivationRequested,
    OrganisationActivated,
    OrganisationAdded,
    OrganisationDetailsChanged,
    OrganisationMoved,
    ReceivingDisabled,
    ReceivingEnabled,
)
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from notifications.projections.upsert import upsert
from notifications.tables import known_invoices, known_organisations


def apply_organisation_event(session: Session, event: IntegrationEvent) -> None:
    """Bring the read model of organisations up to date with one organisation event."""
    if isinstance(event, OrganisationAdded):
        values = {
            "organisation_id": str(event.organisation_id),
            "environment_id": str(event.environment_id),
            "name": event.name,
            "status": "added",
            "receiving": False,
        }
        upsert(session, known_organisations, values, {"name": event.name})
    elif isinstance(event, OrganisationDetailsChanged):
        _change(session, event.organisation_id, name=event.name, receiving=event.receiving)
    elif isinstance(event, ActivationRequested):
        _change(session, event.organisation_id, status="activation_pending")
    elif isinstance(event, OrganisationActivated):
        _change(session, event.organisation_id, status="active", **_named(event.name))
    elif isinstance(event, ActivationRefused):
        _change(session, event.organisation_id, status="added")
    elif isinstance(event, ReceivingEnabled):
        _change(session, event.organisation_id, receiving=True, **_named(event.name))
    elif isinstance(event, ReceivingDisabled):
        _change(session, event.organisation_id, receiving=False)
    elif isinstance(event, OrganisationMoved):
        _change(
            session,
            event.organisation_id,
            environment_id=str(event.environment_id),
            **_named(event.name),
        )


def apply_invoice_event(session: Session, event: IntegrationEvent) -> None:
    """Remember what later invoice mails need from the submission."""
    if isinstance(event, InvoiceSubmitted):
        values = {
            "invoice_id": str(event.invoice_id),
            "organisation_id": str(event.organisation_id),
            "document_type": event.document_type,
            "invoice_number": event.invoice_number,
            "issue_date": event.issue_date.isoformat(),
            "currency": event.currency,
            "payable_amount": event.payable_amount,
            "customer_name": event.customer_name,
        }
        upsert(session, known_invoices, values, {})


def _named(name: str) -> dict[str, str]:
    return {"name": name} if name else {}


def _change(session: Session, organisation_id: Any, **changes: Any) -> None:
    # An organisation not known yet needs no update: its OrganisationAdded (earlier in the
    # stream) is being retried and carries what is current then; mails take what they need
    # from the event itself.
    session.execute(
        update(known_organisations)
        .where(known_organisations.c.organisation_id == str(organisation_id))
        .values(**changes)
    )


def organisation_name(session: Session, organisation_id: Any) -> str | None:
    """The organisation's name, when known."""
    name: str | None = session.execute(
        _NAME, {"the_organisation": str(organisation_id)}
    ).scalar_one_or_none()
    return name


def organisation_environment(session: Session, organisation_id: Any) -> str | None:
    """The environment the organisation is in now, when known."""
    found: str | None = session.execute(
        select(known_organisations.c.environment_id).where(
            known_organisations.c.organisation_id == str(organisation_id)
        )
    ).scalar_one_or_none()
    return found


_NAME = select(known_organisations.c.name).where(
    known_organisations.c.organisation_id == bindparam("the_organisation")
)


def invoice_facts(session: Session, invoice_id: Any) -> dict[str, str]:
    """Number, type, date, amount and customer of a submitted invoice; empty when unknown."""
    row = session.execute(
        select(known_invoices).where(known_invoices.c.invoice_id == str(invoice_id))
    ).first()
    if row is None:
        return {}
    facts = dict(row._mapping)
    facts.pop("invoice_id")
    facts.pop("organisation_id")
    return facts
