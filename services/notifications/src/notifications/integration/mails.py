"""Which mail each event calls for, and who it goes to.

- Security mails go to the address in the event, whatever anyone's preferences.
- Invoice received: everyone who may act for the receiving organisation: its members (any
  role) and the admins of its environment, who reach every organisation of their environment.
  In the common case of one person who signed up and added the organisation, that admin is the
  only person there is.
- Invoice sent, invoice delivery failed: the user who submitted it; when it came in by API
  (no user), the organisation's admins (its admin members and the environment's admins).
- Organisation activated, receiving switched on or off: the organisation's admins.
- Access to an organisation removed: the user who lost it, whatever their preferences (they
  should learn that someone changed what their account may do), by an admin or because the
  organisation moved to another environment; nobody when an admin removed the membership of an
  admin of the environment, who still reaches the organisation.
- Product news: every user; only those who opted in get it (the rest are recorded suppressed).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from contracts.envelope import Envelope
from contracts.events.base import IntegrationEvent
from contracts.events.identity import (
    EmailVerificationRequested,
    PasswordResetRequested,
    SignUpAttemptedForExistingAccount,
)
from contracts.events.invoicing import InvoiceDeliveryFailed, InvoiceReceived, InvoiceSent
from contracts.events.memberships import MembershipRevoked, UserInvited
from contracts.events.notifications import ProductNewsAnnounced
from contracts.events.organisation import (
    OrganisationActivated,
    ReceivingDisabled,
    ReceivingEnabled,
)
from sqlalchemy.orm import Session

from notifications.domain import mail_kinds as kinds
from notifications.domain.mail_kinds import Recipient
from notifications.integration.invitations import invitation_mail_context
from notifications.projections import people
from notifications.projections.organisations import (
    invoice_facts,
    organisation_environment,
    organisation_name,
)
from notifications.projections.people import EventArrivedEarly
from notifications.usecases.decisions import MailRequest

Mails = list[tuple[MailRequest, Iterable[Recipient]]]


def mails_for(session: Session, envelope: Envelope, event: IntegrationEvent) -> Mails:
    """The mails this event calls for, each with the people it may go to."""
    if isinstance(event, EmailVerificationRequested | PasswordResetRequested):
        kind = (
            kinds.EMAIL_VERIFICATION
            if isinstance(event, EmailVerificationRequested)
            else kinds.PASSWORD_RESET
        )
        context = {"sealed_token": event.sealed_token, "expires_at": event.expires_at.isoformat()}
        return [(_request(kind, context, event.environment_id), [_addressed(event)])]
    if isinstance(event, SignUpAttemptedForExistingAccount):
        request = _request(kinds.ACCOUNT_EXISTS, {}, event.environment_id)
        return [(request, [_addressed(event)])]
    if isinstance(event, UserInvited):
        invitee = Recipient(email=event.email, language=event.language, full_name="")
        request = _request(kinds.INVITATION, invitation_mail_context(event), event.environment_id)
        return [(request, [invitee])]
    if isinstance(event, MembershipRevoked):
        return [_access_removed(session, event)]
    if isinstance(event, InvoiceReceived):
        return [_invoice_received(session, event)]
    if isinstance(event, InvoiceSent | InvoiceDeliveryFailed):
        return [_invoice_outcome(session, event)]
    if isinstance(event, OrganisationActivated):
        name = event.name or organisation_name(session, event.organisation_id) or ""
        activated = {"organisation_name": name, "activated_at": event.activated_at.isoformat()}
        return [_to_admins(session, kinds.ORGANISATION_ACTIVATED, activated, event)]
    if isinstance(event, ReceivingEnabled | ReceivingDisabled):
        return [_receiving_changed(session, event)]
    if isinstance(event, ProductNewsAnnounced):
        news: dict[str, Any] = {
            "title_nl": event.title_nl,
            "title_en": event.title_en,
            "body_nl": event.body_nl,
            "body_en": event.body_en,
            "news_link": event.link,
        }
        return [(_request(kinds.PRODUCT_NEWS, news), people.everyone(session))]
    return []


def _request(
    kind: str,
    context: dict[str, Any],
    environment_id: UUID | None = None,
    organisation_id: UUID | None = None,
) -> MailRequest:
    return MailRequest(kind, context, environment_id, organisation_id)


def _addressed(
    event: EmailVerificationRequested | PasswordResetRequested | SignUpAttemptedForExistingAccount,
) -> Recipient:
    return Recipient(
        email=event.email,
        language=event.language,
        full_name=event.full_name,
        user_id=event.user_id,
    )


def _access_removed(session: Session, event: MembershipRevoked) -> tuple[MailRequest, Any]:
    person = people.user(session, event.user_id)
    if person is None:
        raise EventArrivedEarly(f"user {event.user_id} is not known yet")
    # Revoked because an operator moved the organisation to another environment (identity
    # ends the memberships of those who stay behind), or by an admin here.
    moved = organisation_environment(session, event.organisation_id) not in (
        None,
        str(event.environment_id),
    )
    keeps_access = not moved and people.is_environment_admin(session, event.user_id)
    revoked_by = None if moved else people.user(session, event.revoked_by)
    context = {
        "organisation_name": organisation_name(session, event.organisation_id) or "",
        "role": event.role,
        "moved": moved,
        "revoked_by": revoked_by.full_name if revoked_by else None,
        "revoked_at": event.revoked_at.isoformat(),
    }
    request = _request(kinds.ACCESS_REMOVED, context, event.environment_id, event.organisation_id)
    return request, [] if keeps_access else [person]


def _invoice_received(session: Session, event: InvoiceReceived) -> tuple[MailRequest, Any]:
    context = {
        "organisation_name": organisation_name(session, event.organisation_id)
        or event.recipient_participant_id,
        "document_type": event.document_type,
        "invoice_number": event.invoice_number,
        "issue_date": event.issue_date.isoformat(),
        "currency": event.currency,
        "payable_amount": event.payable_amount,
        "supplier_name": event.supplier_name,
        "sender_participant_id": event.sender_participant_id,
        "received_at": event.received_at.isoformat(),
        "page": invoice_page(event.organisation_id, event.invoice_id),
    }
    request = _request(kinds.INVOICE_RECEIVED, context, event.environment_id, event.organisation_id)
    return request, people.organisation_people(session, event.organisation_id, event.environment_id)


def _invoice_outcome(
    session: Session, event: InvoiceSent | InvoiceDeliveryFailed
) -> tuple[MailRequest, Any]:
    facts = invoice_facts(session, event.invoice_id)
    context: dict[str, Any] = {
        "organisation_name": organisation_name(session, event.organisation_id) or "",
        "invoice_number": event.invoice_number,
        "document_type": facts.get("document_type", "Invoice"),
        "issue_date": facts.get("issue_date"),
        "currency": facts.get("currency"),
        "payable_amount": facts.get("payable_amount"),
        "customer_name": facts.get("customer_name"),
        "recipient_participant_id": event.recipient_participant_id,
        "page": invoice_page(event.organisation_id, event.invoice_id),
    }
    if isinstance(event, InvoiceSent):
        kind = kinds.INVOICE_SENT
        context.update(route=event.route, sent_at=event.sent_at.isoformat())
    else:
        kind = kinds.INVOICE_DELIVERY_FAILED
        context.update(
            reason=event.reason, detail=event.detail, failed_at=event.failed_at.isoformat()
        )
    request = _request(kind, context, event.environment_id, event.organisation_id)
    if event.submitted_by is None:
        admins = people.organisation_people(
            session, event.organisation_id, event.environment_id, admins_only=True
        )
        return request, admins
    submitter = people.user(session, event.submitted_by)
    if submitter is None:
        raise EventArrivedEarly(f"user {event.submitted_by} is not known yet")
    return request, [submitter]


def _receiving_changed(
    session: Session, event: ReceivingEnabled | ReceivingDisabled
) -> tuple[MailRequest, Any]:
    enabled = isinstance(event, ReceivingEnabled)
    name = (event.name if isinstance(event, ReceivingEnabled) else "") or organisation_name(
        session, event.organisation_id
    )
    changed_by = people.user(session, event.changed_by) if event.changed_by else None
    context = {
        "organisation_name": name or "",
        "participant_ids": ", ".join(event.participant_ids),
        "changed_at": event.changed_at.isoformat(),
        "changed_by": changed_by.full_name if changed_by else None,
    }
    kind = kinds.RECEIVING_ENABLED if enabled else kinds.RECEIVING_DISABLED
    return _to_admins(session, kind, context, event)


def _to_admins(
    session: Session,
    kind: str,
    context: dict[str, Any],
    event: OrganisationActivated | ReceivingEnabled | ReceivingDisabled,
) -> tuple[MailRequest, Any]:
    context = {**context, "page": organisation_page(event.organisation_id)}
    request = _request(kind, context, event.environment_id, event.organisation_id)
    admins = people.organisation_people(
        session, event.organisation_id, event.environment_id, admins_only=True
    )
    return request, admins


def invoice_page(organisation_id: UUID, invoice_id: UUID) -> str:
    """The path of an invoice's page, below PUBLIC_BASE_URL."""
    return f"/organisations/{organisation_id}/invoices/{invoice_id}"


def organisation_page(organisation_id: UUID) -> str:
    """The path of an organisation's page (details, receiving), below PUBLIC_BASE_URL."""
    return f"/organisations/{organisation_id}"
