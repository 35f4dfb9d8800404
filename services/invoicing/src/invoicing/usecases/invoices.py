"""Submitting, delivering and reading invoices.

Every use case runs on the store thread in one transaction: the invoice's events, its row and
timeline as the API lists them, its idempotency key and its number per supplier commit together
or not at all. Checks read before anything is written, so a refusal leaves no trace.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import structlog
from contracts.commands.invoicing import (
    Finding,
    InvoiceDetail,
    InvoicePage,
    InvoiceSummary,
    ListInvoices,
    Party,
    TimelineEntry,
)
from contracts.events.invoicing import DocumentRef
from eventsourcing.domain import Aggregate
from servicekit.eventstore import SharedDatabase
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from invoicing.application import InvoicingApplication
from invoicing.domain.invoice import (
    AlreadyDecided,
    IncomingInvoice,
    Invoice,
    RejectedSubmission,
    incoming_id_for,
)
from invoicing.state.tables import (
    idempotency_keys,
    invoice_details,
    invoice_numbers,
    invoice_pdfs,
    invoice_rows,
    invoice_timeline,
    known_organisations,
    network_claims,
    organisation_identifiers,
)

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class KnownOrganisation:
    """An organisation as invoicing's read model knows it."""

    id: uuid.UUID
    environment_id: uuid.UUID
    name: str
    status: str
    receiving: bool
    generate_pdf: str
    merge_attachments: bool
    participant_ids: frozenset[str]


_NETWORK_MESSAGE = uuid.UUID("0c1d7a52-3f0e-4b8e-9a65-6f1e2d4b7c11")


class RecipientGone(Exception):
    """The recipient left this platform between claiming and delivering: try again."""


@dataclass(frozen=True)
class SubmissionFacts:
    """What the document says, as far as routing and the read models need it."""

    document_type: str
    invoice_number: str
    issue_date: date
    currency: str
    payable_amount: str
    supplier_name: str
    customer_name: str
    sender_participant_id: str
    recipient_participant_id: str


@dataclass(frozen=True)
class NetworkBound:
    """An invoice for a participant outside this platform, as a transport needs it (the
    document still to be read from the blob store)."""

    invoice_id: uuid.UUID
    message_id: uuid.UUID
    document_type: str
    sender: str
    recipient: str
    document: DocumentRef


@dataclass(frozen=True)
class Accepted:
    """A new invoice, or the one this key and these bytes made before."""

    invoice_id: uuid.UUID
    status: str


@dataclass(frozen=True)
class KeyReused:
    """The key was used for other bytes."""

    invoice_id: uuid.UUID


@dataclass(frozen=True)
class Duplicate:
    """The supplier submitted this number with this issue date before."""

    invoice_id: uuid.UUID


Outcome = Accepted | KeyReused | Duplicate


class Invoices:
    """The invoicing use cases."""

    def __init__(
        self,
        app: InvoicingApplication,
        database: SharedDatabase,
        clock: Callable[[], datetime],
        network: str | None = None,
    ) -> None:
        self._app = app
        self._db = database
        self._clock = clock
        # Where a transport hands invoices for participants outside this platform (None: no
        # transport, so they cannot be delivered).
        self._network = network

    # -- organisations ---------------------------------------------------------------------

    def organisation(self, organisation_id: uuid.UUID) -> KnownOrganisation | None:
        """An organisation as the read model knows it, or None."""
        with self._db.transaction(commit=False) as session:
            return _known(session, str(organisation_id))

    # -- submitting ------------------------------------------------------------------------

    def previous(self, organisation_id: uuid.UUID, key: str) -> tuple[str, uuid.UUID] | None:
        """(sha256, invoice id) a key was used for, or None."""
        with self._db.transaction(commit=False) as session:
            return _previous(session, str(organisation_id), key)

    def submit(
        self,
        organisation: KnownOrganisation,
        submitted_by: uuid.UUID | None,
        key: str,
        sha256: str,
        facts: SubmissionFacts,
        document: dict[str, Any],
        warnings: list[Finding],
    ) -> Outcome:
        """Accept an invoice the rules passed, unless its key or its number was used."""
        now = self._clock()
        with self._db.transaction() as session:
            previous = _previous(session, str(organisation.id), key)
            if previous is not None:
                used_for, invoice_id = previous
                if used_for != sha256:
                    return KeyReused(invoice_id)
                # The same answer as the first time (API.md), not the invoice's status now.
                return Accepted(invoice_id, "accepted")
            earlier = session.execute(
                _NUMBER_USED,
                {
                    "the_organisation": str(organisation.id),
                    "the_number": facts.invoice_number,
                    "the_date": facts.issue_date,
                },
            ).scalar()
            if earlier is not None:
                self._app.save(
                    RejectedSubmission(
                        organisation_id=organisation.id,
                        environment_id=organisation.environment_id,
                        submitted_by=submitted_by,
                        reason="duplicate",
                        rules=[],
                        sha256=sha256,
                        rejected_at=now,
                    )
                )
                return Duplicate(uuid.UUID(earlier))
            invoice = Invoice(
                organisation_id=organisation.id,
                environment_id=organisation.environment_id,
                submitted_by=submitted_by,
                document_type=facts.document_type,
                invoice_number=facts.invoice_number,
                issue_date=facts.issue_date,
                currency=facts.currency,
                payable_amount=facts.payable_amount,
                supplier_name=facts.supplier_name,
                customer_name=facts.customer_name,
                sender_participant_id=facts.sender_participant_id,
                recipient_participant_id=facts.recipient_participant_id,
                warnings=[w.model_dump() for w in warnings],
                document=document,
                submitted_at=now,
            )
            session.execute(
                _INSERT_KEY,
                {
                    "organisation_id": str(organisation.id),
                    "idempotency_key": key,
                    "sha256": sha256,
                    "invoice_id": str(invoice.id),
                },
            )
            session.execute(
                _INSERT_NUMBER,
                {
                    "organisation_id": str(organisation.id),
                    "invoice_number": facts.invoice_number,
                    "issue_date": facts.issue_date,
                    "invoice_id": str(invoice.id),
                },
            )
            summary = InvoiceSummary(
                id=invoice.id,
                direction="outgoing",
                status="accepted",
                document_type=facts.document_type,
                invoice_number=facts.invoice_number,
                issue_date=facts.issue_date,
                sender=Party(
                    name=facts.supplier_name,
                    participant_id=facts.sender_participant_id,
                    organisation_id=organisation.id,
                ),
                recipient=Party(
                    name=facts.customer_name, participant_id=facts.recipient_participant_id
                ),
                currency=facts.currency,
                payable_amount=facts.payable_amount,
                created_at=now,
            )
            _insert_row(session, summary, organisation.id, document, warnings)
            accepted = "Accepted: the document passed the official rules"
            if warnings:
                rules = ", ".join(sorted({w.rule for w in warnings}))
                accepted += f", with {len(warnings)} warning(s): {rules}"
            _note(session, invoice, now, "InvoiceSubmitted", accepted + ".")
            self._app.save(invoice)
        return Accepted(invoice.id, "accepted")

    def reject(
        self,
        organisation: KnownOrganisation,
        submitted_by: uuid.UUID | None,
        reason: str,
        rules: list[str],
        sha256: str,
    ) -> None:
        """Record a refused submission."""
        with self._db.transaction():
            self._app.save(
                RejectedSubmission(
                    organisation_id=organisation.id,
                    environment_id=organisation.environment_id,
                    submitted_by=submitted_by,
                    reason=reason,
                    rules=rules,
                    sha256=sha256,
                    rejected_at=self._clock(),
                )
            )

    # -- delivering ------------------------------------------------------------------------

    def deliver(self, session: Session, invoice_id: uuid.UUID, by_transport: bool = False) -> None:
        """Route a submitted invoice: into a receiving organisation's inbox, or fail why.

        Runs inside the delivery consumer's transaction: the outgoing invoice's steps, the
        incoming invoice and the consumer's record of the event commit together.
        """
        invoice: Invoice = self._app.repository.get(invoice_id)
        if invoice.status != "accepted":
            return  # delivered (or failed) before: a redelivery changes nothing
        if (
            self._network is not None
            and session.execute(_CLAIMED, {"the_invoice": str(invoice_id)}).first() is not None
        ):
            return  # the transport consumer sends it over the network
        sender_environment = _sender_environment(session, invoice)
        now = self._clock()
        participant = invoice.recipient_participant_id
        receivers = session.execute(_RECEIVERS, {"participant": participant}).all()
        receiving = [r._mapping for r in receivers if r._mapping["receiving"]]
        incoming: IncomingInvoice | None = None
        try:
            if not receivers and self._network is not None:
                if by_transport:
                    raise RecipientGone(f"{participant} left this platform: claim it again")
                return  # the transport consumer sends it over the network
            if not receivers:
                self._fail(
                    session,
                    invoice,
                    "no-route",
                    f"The recipient {participant} is not on this platform, and there is no "
                    "route outside this platform.",
                    sender_environment,
                    now,
                )
            elif not receiving:
                reason, detail = (
                    "recipient-not-receiving",
                    f"The recipient {participant} is on this platform but does not receive "
                    "e-invoices.",
                )
                self._fail(session, invoice, reason, detail, sender_environment, now)
            else:
                recipient = receiving[0]
                incoming = self._hand_over(session, invoice, recipient, sender_environment, now)
        except AlreadyDecided:
            return
        # One save, so one insert of all their events (the incoming invoice's first, as its
        # InvoiceReceived always came before the sender's InvoiceSent and InvoiceDelivered).
        self._app.save(*([incoming] if incoming is not None else []), invoice)

    def _fail(
        self,
        session: Session,
        invoice: Invoice,
        reason: str,
        detail: str,
        sender_environment: uuid.UUID,
        now: datetime,
    ) -> None:
        invoice.fail(reason, detail, sender_environment, now)
        _set_status(session, invoice.id, "delivery_failed", detail)
        _note(session, invoice, now, "InvoiceDeliveryFailed", detail)
        # Nobody got it, so it is no duplicate when the sender sends it again.
        session.execute(_RELEASE_NUMBER, {"the_invoice": str(invoice.id)})

    def claim_for_network(self, invoice_id: uuid.UUID) -> NetworkBound | None:
        """Take an accepted invoice whose recipient is not on this platform for the network, or
        the one taken before; None when it stays here, was decided before, or there is no
        transport. The claim commits before the first hand-over, so delivery here leaves it
        alone even if the recipient joins this platform meanwhile."""
        if self._network is None:
            return None
        with self._db.transaction() as session:
            return self._claim(session, invoice_id)

    def _claim(self, session: Session, invoice_id: uuid.UUID) -> NetworkBound | None:
        invoice: Invoice = self._app.repository.get(invoice_id)
        if invoice.status != "accepted":
            return None
        claimed = session.execute(_CLAIMED, {"the_invoice": str(invoice_id)}).first()
        if claimed is None:
            participant = invoice.recipient_participant_id
            if session.execute(_RECEIVERS, {"participant": participant}).first() is not None:
                return None
            # The same organisation sending the same bytes again (after a failure, say) hands
            # them over under the same message id, so the access point can tell a repeat.
            message_id = uuid.uuid5(
                _NETWORK_MESSAGE, f"{invoice.organisation_id}|{invoice.document['sha256']}"
            )
            session.execute(
                _CLAIM,
                {
                    "invoice_id": str(invoice_id),
                    "message_id": str(message_id),
                    "claimed_at": self._clock(),
                },
            )
        else:
            message_id = uuid.UUID(claimed._mapping["message_id"])
        return NetworkBound(
            invoice_id=invoice.id,
            message_id=message_id,
            document_type=invoice.document_type,
            sender=invoice.sender_participant_id,
            recipient=invoice.recipient_participant_id,
            document=DocumentRef(**invoice.document),
        )

    def sent_over_network(
        self, session: Session, invoice_id: uuid.UUID, receipt: str | None
    ) -> None:
        """An access point took the invoice (its reference for it: the receipt)."""
        invoice: Invoice = self._app.repository.get(invoice_id)
        if invoice.status != "accepted":
            log.error(
                "an access point took an invoice decided before",
                invoice_id=str(invoice_id),
                status=invoice.status,
                receipt=receipt,
            )
            return
        now = self._clock()
        invoice.send("peppol", _sender_environment(session, invoice), now, receipt=receipt)
        _set_status(session, invoice.id, "sent", None)
        said = (
            f"Sent to {invoice.recipient_participant_id} over the Peppol network, through "
            f"{self._network or 'an access point'}"
        )
        _note(
            session,
            invoice,
            now,
            "InvoiceSent",
            said + (f", which knows it as {receipt}." if receipt else "."),
        )
        self._app.save(invoice)

    def undeliverable(
        self, session: Session, invoice_id: uuid.UUID, reason: str, detail: str
    ) -> None:
        """The network would not, or could not, take the invoice."""
        invoice: Invoice = self._app.repository.get(invoice_id)
        if invoice.status != "accepted":
            return
        environment = _sender_environment(session, invoice)
        self._fail(session, invoice, reason, detail, environment, self._clock())
        self._app.save(invoice)

    def _hand_over(
        self,
        session: Session,
        invoice: Invoice,
        recipient: Any,
        sender_environment: uuid.UUID,
        now: datetime,
    ) -> IncomingInvoice:
        """Into the recipient's inbox: sent and delivered in one step on this platform; the
        incoming invoice, for the caller to save with the outgoing one."""
        invoice.send("platform", sender_environment, now)
        recipient_id = uuid.UUID(recipient["organisation_id"])
        incoming = IncomingInvoice(
            id=incoming_id_for(invoice.id),
            organisation_id=recipient_id,
            environment_id=uuid.UUID(recipient["environment_id"]),
            outgoing_invoice_id=invoice.id,
            document_type=invoice.document_type,
            invoice_number=invoice.invoice_number,
            issue_date=invoice.issue_date,
            currency=invoice.currency,
            payable_amount=invoice.payable_amount,
            supplier_name=invoice.supplier_name,
            sender_participant_id=invoice.sender_participant_id,
            recipient_participant_id=invoice.recipient_participant_id,
            document=invoice.document,
            received_at=now,
        )
        summary = InvoiceSummary(
            id=incoming.id,
            direction="incoming",
            status="received",
            document_type=invoice.document_type,
            invoice_number=invoice.invoice_number,
            issue_date=invoice.issue_date,
            sender=Party(name=invoice.supplier_name, participant_id=invoice.sender_participant_id),
            recipient=Party(
                name=recipient["name"],
                participant_id=invoice.recipient_participant_id,
                organisation_id=recipient_id,
            ),
            currency=invoice.currency,
            payable_amount=invoice.payable_amount,
            created_at=now,
        )
        _insert_row(session, summary, recipient_id, invoice.document, [])
        _note(
            session,
            incoming,
            now,
            "InvoiceReceived",
            f"Received from {invoice.supplier_name} ({invoice.sender_participant_id}).",
        )
        invoice.deliver(incoming.id, sender_environment, now)
        _set_status(session, invoice.id, "delivered", None)
        _notes(
            session,
            invoice,
            now,
            [
                ("InvoiceSent", f"Sent to {invoice.recipient_participant_id} over this platform."),
                ("InvoiceDelivered", full_stop(f"Delivered to the inbox of {recipient['name']}")),
            ],
        )
        return incoming

    # -- reading ---------------------------------------------------------------------------

    def page(self, query: ListInvoices) -> InvoicePage:
        """An organisation's invoices, filtered, newest first."""
        conditions = [invoice_rows.c.organisation_id == str(query.organisation_id)]
        if query.direction:
            conditions.append(invoice_rows.c.direction == query.direction)
        if query.status:
            conditions.append(invoice_rows.c.status == query.status)
        if query.issued_from:
            conditions.append(invoice_rows.c.issue_date >= query.issued_from)
        if query.issued_until:
            conditions.append(invoice_rows.c.issue_date <= query.issued_until)
        if query.counterparty:
            conditions.append(
                func.lower(invoice_rows.c.counterparty).contains(
                    query.counterparty.lower(), autoescape=True
                )
            )
        if query.number:
            conditions.append(
                func.lower(invoice_rows.c.invoice_number).contains(
                    query.number.lower(), autoescape=True
                )
            )
        with self._db.transaction(commit=False) as session:
            total = session.execute(
                select(func.count()).select_from(invoice_rows).where(*conditions)
            ).scalar_one()
            rows = session.execute(
                select(invoice_rows.c.summary, invoice_rows.c.status)
                .where(*conditions)
                .order_by(invoice_rows.c.created_at.desc(), invoice_rows.c.invoice_id)
                .limit(query.per_page)
                .offset((query.page - 1) * query.per_page)
            ).all()
            invoices = [_with_status(summary, status) for summary, status in rows]
        return InvoicePage(invoices=invoices, total=total, page=query.page, per_page=query.per_page)

    def detail(self, organisation_id: uuid.UUID, invoice_id: uuid.UUID) -> InvoiceDetail | None:
        """One invoice of an organisation with its timeline, or None."""
        with self._db.transaction(commit=False) as session:
            row = session.execute(
                select(
                    invoice_rows.c.summary,
                    invoice_rows.c.status,
                    invoice_details.c.warnings,
                    invoice_details.c.failure_reason,
                )
                .join(invoice_details, invoice_details.c.invoice_id == invoice_rows.c.invoice_id)
                .where(
                    invoice_rows.c.invoice_id == str(invoice_id),
                    invoice_rows.c.organisation_id == str(organisation_id),
                )
            ).first()
            if row is None:
                return None
            steps = session.execute(
                select(invoice_timeline)
                .where(invoice_timeline.c.invoice_id == str(invoice_id))
                .order_by(invoice_timeline.c.position)
            ).all()
        summary = _with_status(row._mapping["summary"], row._mapping["status"])
        return InvoiceDetail(
            **summary.model_dump(),
            organisation_id=organisation_id,
            warnings=[Finding(**w) for w in json.loads(row._mapping["warnings"])],
            failure_reason=row._mapping["failure_reason"],
            timeline=[
                TimelineEntry(
                    at=s._mapping["at"], event=s._mapping["event"], detail=s._mapping["detail"]
                )
                for s in steps
            ],
        )

    def document(
        self, organisation_id: uuid.UUID, invoice_id: uuid.UUID
    ) -> tuple[dict[str, Any], str] | None:
        """The blob reference of an invoice's UBL and its invoice number, or None."""
        with self._db.transaction(commit=False) as session:
            found = session.execute(
                select(invoice_details.c.document, invoice_rows.c.invoice_number)
                .join(invoice_rows, invoice_rows.c.invoice_id == invoice_details.c.invoice_id)
                .where(
                    invoice_rows.c.invoice_id == str(invoice_id),
                    invoice_rows.c.organisation_id == str(organisation_id),
                )
            ).first()
        if found is None:
            return None
        return dict(json.loads(found.document)), str(found.invoice_number)

    def pdf(self, invoice_id: uuid.UUID, options: str) -> dict[str, Any] | None:
        """A PDF made before for these options, or None."""
        with self._db.transaction(commit=False) as session:
            row = session.execute(
                select(invoice_pdfs).where(
                    invoice_pdfs.c.invoice_id == str(invoice_id), invoice_pdfs.c.options == options
                )
            ).first()
        return None if row is None else dict(row._mapping)

    def keep_pdf(
        self, invoice_id: uuid.UUID, options: str, name: str, sha256: str, size: int
    ) -> None:
        """Remember a PDF made for these options (a racing twin may have done it already)."""
        with self._db.transaction() as session:
            exists = session.execute(
                select(invoice_pdfs.c.name).where(
                    invoice_pdfs.c.invoice_id == str(invoice_id), invoice_pdfs.c.options == options
                )
            ).first()
            if exists is None:
                session.execute(
                    invoice_pdfs.insert().values(
                        invoice_id=str(invoice_id),
                        options=options,
                        name=name,
                        sha256=sha256,
                        size=size,
                    )
                )


# Built once: they run for every invoice, and a statement built per call costs SQLAlchemy its
# construction and a new cache key, more than the database's own work for it.
_ORGANISATION = select(known_organisations).where(
    known_organisations.c.organisation_id == bindparam("the_organisation")
)
_ENVIRONMENT = select(known_organisations.c.environment_id).where(
    known_organisations.c.organisation_id == bindparam("the_organisation")
)
_PARTICIPANT_IDS = select(organisation_identifiers.c.participant_id).where(
    organisation_identifiers.c.organisation_id == bindparam("the_organisation")
)
_RECEIVERS = (
    select(known_organisations)
    .join(
        organisation_identifiers,
        organisation_identifiers.c.organisation_id == known_organisations.c.organisation_id,
    )
    .where(organisation_identifiers.c.participant_id == bindparam("participant"))
)
_KEY_USED = select(idempotency_keys.c.sha256, idempotency_keys.c.invoice_id).where(
    idempotency_keys.c.organisation_id == bindparam("the_organisation"),
    idempotency_keys.c.idempotency_key == bindparam("the_key"),
)
_NUMBER_USED = select(invoice_numbers.c.invoice_id).where(
    invoice_numbers.c.organisation_id == bindparam("the_organisation"),
    invoice_numbers.c.invoice_number == bindparam("the_number"),
    invoice_numbers.c.issue_date == bindparam("the_date"),
)
_CLAIMED = select(network_claims.c.message_id).where(
    network_claims.c.invoice_id == bindparam("the_invoice")
)
_CLAIM = network_claims.insert()
_RELEASE_NUMBER = delete(invoice_numbers).where(
    invoice_numbers.c.invoice_id == bindparam("the_invoice")
)
_INSERT_KEY = idempotency_keys.insert()
_INSERT_NUMBER = invoice_numbers.insert()
_INSERT_ROW = invoice_rows.insert()
_INSERT_DETAILS = invoice_details.insert()
_INSERT_STEPS = invoice_timeline.insert()
_SET_STATUS = (
    update(invoice_rows)
    .where(invoice_rows.c.invoice_id == bindparam("the_invoice"))
    .values(status=bindparam("new_status"))
)
_SET_FAILURE = (
    update(invoice_details)
    .where(invoice_details.c.invoice_id == bindparam("the_invoice"))
    .values(failure_reason=bindparam("failure"))
)


def _known(session: Session, organisation_id: str) -> KnownOrganisation | None:
    row = session.execute(_ORGANISATION, {"the_organisation": organisation_id}).first()
    if row is None:
        return None
    found = row._mapping
    participant_ids = session.execute(
        _PARTICIPANT_IDS, {"the_organisation": organisation_id}
    ).scalars()
    return KnownOrganisation(
        id=uuid.UUID(found["organisation_id"]),
        environment_id=uuid.UUID(found["environment_id"]),
        name=found["name"],
        status=found["status"],
        receiving=bool(found["receiving"]),
        generate_pdf=found["generate_pdf"],
        merge_attachments=bool(found["merge_attachments"]),
        participant_ids=frozenset(participant_ids),
    )


def _previous(session: Session, organisation_id: str, key: str) -> tuple[str, uuid.UUID] | None:
    row = session.execute(_KEY_USED, {"the_organisation": organisation_id, "the_key": key}).first()
    return None if row is None else (row[0], uuid.UUID(row[1]))


def full_stop(text: str) -> str:
    """`text` with its full stop, unless it ends in one already (a name like "Bakker B.V.")."""
    return text if text.endswith(".") else f"{text}."


def _sender_environment(session: Session, invoice: Invoice) -> uuid.UUID:
    """The sender's environment now (it may have moved since it submitted)."""
    environment = session.execute(
        _ENVIRONMENT, {"the_organisation": str(invoice.organisation_id)}
    ).scalar()
    return uuid.UUID(environment) if environment else _environment_of(invoice)


def _environment_of(invoice: Invoice) -> uuid.UUID:
    first = next(iter(invoice.pending_events), None)
    return getattr(first, "environment_id", uuid.UUID(int=0))


def _insert_row(
    session: Session,
    summary: InvoiceSummary,
    organisation_id: uuid.UUID,
    document: dict[str, Any],
    warnings: list[Finding],
) -> None:
    counterparty = summary.recipient if summary.direction == "outgoing" else summary.sender
    session.execute(
        _INSERT_ROW,
        {
            "invoice_id": str(summary.id),
            "organisation_id": str(organisation_id),
            "direction": summary.direction,
            "status": summary.status,
            "document_type": summary.document_type,
            "invoice_number": summary.invoice_number,
            "issue_date": summary.issue_date,
            "counterparty": f"{counterparty.name} {counterparty.participant_id or ''}".strip(),
            "created_at": summary.created_at,
            "summary": summary.model_dump_json(),
        },
    )
    session.execute(
        _INSERT_DETAILS,
        {
            "invoice_id": str(summary.id),
            "warnings": json.dumps([w.model_dump() for w in warnings]),
            "failure_reason": None,
            "document": json.dumps(document),
        },
    )


def _with_status(summary: str, status: str) -> InvoiceSummary:
    """A row's summary with the row's status: the status column is where a delivery writes
    the change, so the summary (written once, at the start) need not be read and rewritten."""
    return InvoiceSummary.model_validate_json(summary).model_copy(update={"status": status})


def _set_status(session: Session, invoice_id: uuid.UUID, status: str, failure: str | None) -> None:
    session.execute(_SET_STATUS, {"the_invoice": str(invoice_id), "new_status": status})
    if failure is not None:
        session.execute(_SET_FAILURE, {"the_invoice": str(invoice_id), "failure": failure})


def _note(session: Session, invoice: Aggregate, at: datetime, event: str, detail: str) -> None:
    """Add the step of an invoice's newest event to its timeline."""
    _notes(session, invoice, at, [(event, detail)])


def _notes(
    session: Session, invoice: Aggregate, at: datetime, steps: list[tuple[str, str]]
) -> None:
    """Add the steps (event, detail) of an invoice's newest events to its timeline, in order.

    A timeline holds one step per event of its invoice, written with the event, so a step's
    position is its event's place in the aggregate (version 1 at position 0): no need to
    count the steps already there.
    """
    first = invoice.version - len(steps)
    session.execute(
        _INSERT_STEPS,
        [
            {
                "invoice_id": str(invoice.id),
                "position": first + offset,
                "at": at,
                "event": event,
                "detail": detail,
            }
            for offset, (event, detail) in enumerate(steps)
        ],
    )
