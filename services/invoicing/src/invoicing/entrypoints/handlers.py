"""Invoicing's commands and queries on NATS: check, validate, run the use case, answer."""

from __future__ import annotations

import asyncio
import hashlib
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import NoReturn

import structlog
from contracts.commands.base import ProblemType, Violation
from contracts.commands.caller import Caller
from contracts.commands.invoicing import (
    DUPLICATE_INVOICE,
    IDEMPOTENCY_KEY_MISSING,
    IDEMPOTENCY_KEY_REUSED,
    INVALID_INVOICE,
    INVOICE_NOT_FOUND,
    NO_PDF,
    RULES_UNAVAILABLE,
    SENDER_MISMATCH,
    SENDER_NOT_ACTIVE,
    UNREADABLE_DOCUMENT,
    Finding,
    GetInvoice,
    GetInvoiceDocument,
    GetInvoicePdf,
    InvoiceDetail,
    InvoicePage,
    ListInvoices,
    StoredDocument,
    SubmissionAccepted,
    SubmitInvoice,
    ValidateDocument,
    ValidationResult,
)
from contracts.events.invoicing import DocumentRef
from servicekit.domain import caused_by
from servicekit.logs import current_correlation_id
from servicekit.rpc import Refused

from invoicing.blobs import BlobMissing
from invoicing.bootstrap import InvoicingService
from invoicing.document import (
    DocumentHeading,
    DocumentUnreadable,
    pdf_for,
    read_document,
    read_heading,
)
from invoicing.usecases.invoices import (
    Accepted,
    Duplicate,
    KeyReused,
    KnownOrganisation,
    SubmissionFacts,
)
from invoicing.validation import DocumentRefused, ValidationReport, parse_safely
from invoicing.validation.intake import refuse_what_tries_something
from invoicing.validation.workers import ValidationPool

log = structlog.get_logger(__name__)

# An organisation added or activated a moment ago may not have reached this read model yet.
READ_MODEL_PATIENCE_SECONDS = 3.0
# Right after a start the rules are still compiling (seconds); a document waits that long.
RULES_PATIENCE_SECONDS = 45.0


def _refuse(kind: ProblemType, detail: str, errors: list[Violation] | None = None) -> NoReturn:
    raise Refused(kind.reply(detail, errors))


def participant_id(scheme: str | None, value: str | None) -> str | None:
    """`scheme:value` of an EndpointID, normalised as the directory keeps it."""
    if not scheme or not value:
        return None
    value = "".join(value.split())
    return f"{scheme.strip()}:{value.upper() if scheme.strip() == '9944' else value}"


def may_be_added(sender: str, participant_ids: Iterable[str]) -> bool:
    """Whether adding the supplier's EndpointID as an identifier could work. An organisation
    from the register keeps its KvK number, and an OIN made from a KvK number belongs to the
    organisation with that number: advice to add either would lead to a refusal."""
    kvk = next((p.removeprefix("0106:") for p in participant_ids if p.startswith("0106:")), None)
    if sender.startswith("0106:"):
        return kvk is None
    if sender.startswith("0190:00000003"):
        return kvk is not None and sender[13:21] == kvk
    return True


_UNSAFE_IN_NAMES = re.compile(r"[^A-Za-z0-9._-]+")


def download_name(number: str, invoice_id: uuid.UUID, extension: str) -> str:
    """A download's file name: the invoice number as far as it is safe in a file name (it comes
    from the document), else the invoice's id."""
    safe = _UNSAFE_IN_NAMES.sub("_", number).strip("._")[:80]
    return f"{safe or invoice_id}.{extension}"


# Intake refusals of documents that are merely not (readable) UBL, as opposed to ones that try
# something (a DTD, entities, XInclude, limits) or are too large.
_UNREADABLE = frozenset({"not-well-formed", "not-ubl-invoice"})


@contextmanager
def _refused_unless_safe() -> Iterator[None]:
    """A document refused at intake (too large, a DTD, entities, not UBL) as its problem."""
    try:
        yield
    except DocumentRefused as error:
        if error.reason in _UNREADABLE:  # broken, or not an invoice: nothing unsafe about it
            kind = UNREADABLE_DOCUMENT
        else:
            kind = ProblemType(
                "urn:problem:invoicing:unsafe-document"
                if error.status == 422
                else "urn:problem:invoicing:document-refused",
                "The document cannot be read safely",
                error.status,
            )
        raise Refused(
            kind.reply(error.detail, [Violation(rule=error.reason, message=error.detail)])
        ) from error


class InvoicingHandlers:
    """Every command and query; `saved` wakes the relay after a write."""

    def __init__(self, service: InvoicingService, saved: Callable[[], None]) -> None:
        self._service = service
        self._saved = saved
        self._use = service.invoices

    # -- checks ----------------------------------------------------------------------------

    async def _organisation(
        self, caller: Caller, organisation_id: uuid.UUID, *, active: bool = False
    ) -> KnownOrganisation:
        """The caller's organisation; 404 for another environment's or an unknown one."""
        deadline = asyncio.get_running_loop().time() + READ_MODEL_PATIENCE_SECONDS
        while True:
            known = await self._service.executor.run(self._use.organisation, organisation_id)
            if known is not None and known.environment_id != caller.environment_id:
                break  # another tenant's: no waiting, no hint
            settled = known is not None and (not active or known.status == "active")
            if settled or asyncio.get_running_loop().time() >= deadline:
                break
            await asyncio.sleep(0.05)
        if known is None or known.environment_id != caller.environment_id:
            _refuse(INVOICE_NOT_FOUND, f"organisation {organisation_id} is not known")
        return known

    async def _read(self, ref: DocumentRef, inline: bytes | None = None) -> bytes:
        """The document: the inline bytes when they match their reference, else the store's."""
        if inline is not None:
            if len(inline) != ref.size or hashlib.sha256(inline).hexdigest() != ref.sha256:
                _refuse(
                    UNREADABLE_DOCUMENT,
                    "The document's bytes do not match their size and SHA-256. Send it again.",
                )
            return inline
        try:
            return await self._service.blobs.read(ref)
        except BlobMissing as error:
            _refuse(UNREADABLE_DOCUMENT, f"The upload cannot be read: {error}. Send it again.")

    async def _validator(self) -> ValidationPool:
        validator = await self._service.rules.validator(RULES_PATIENCE_SECONDS)
        if validator is None:
            raise Refused(
                RULES_UNAVAILABLE.reply(
                    f"Documents cannot be checked now: {self._service.rules.problem}.",
                    retry_after_seconds=30,
                )
            )
        return validator

    async def _validator_for(self, data: bytes) -> ValidationPool:
        """The validator, once `data` passed the cheap intake checks: an attack is refused at
        once, not after the wait for rules that are still compiling (seconds after a start)."""
        with _refused_unless_safe():
            refuse_what_tries_something(data)
        return await self._validator()

    async def _report(self, data: bytes) -> ValidationReport:
        validator = await self._validator_for(data)
        with _refused_unless_safe():
            return await validator.validate(data)

    async def _report_and_heading(
        self, data: bytes
    ) -> tuple[ValidationReport, DocumentHeading | None]:
        """The report and, for a valid document, its heading: read in the worker from the
        tree it validated, so the document is parsed once, off the event loop."""
        validator = await self._validator_for(data)
        with _refused_unless_safe():
            try:
                return await validator.validate_and_read(data, read_heading)
            except DocumentUnreadable as error:
                _refuse(UNREADABLE_DOCUMENT, f"The document cannot be read: {error}.")

    # -- validation ------------------------------------------------------------------------

    async def validate(self, query: ValidateDocument) -> ValidationResult:
        """What the official rules say; nothing is stored."""
        report = await self._report(await self._read(query.upload, query.inline))
        return ValidationResult(
            valid=report.valid,
            document_type=report.document_type,
            errors=[Finding(**f.model_dump()) for f in report.errors],
            warnings=[Finding(**f.model_dump()) for f in report.warnings],
        )

    # -- submission ------------------------------------------------------------------------

    async def submit(self, command: SubmitInvoice) -> SubmissionAccepted:
        """Validate, check the sender, keep the bytes, accept; the same key answers the same."""
        organisation = await self._organisation(
            command.caller, command.organisation_id, active=True
        )
        key = command.idempotency_key
        if not key:
            _refuse(
                IDEMPOTENCY_KEY_MISSING,
                "Send a unique Idempotency-Key header with each new invoice, and the same one "
                "when you retry it.",
            )
        sha256 = command.upload.sha256
        previous = await self._service.executor.run(self._use.previous, organisation.id, key)
        if previous is not None:
            return self._replayed(previous, sha256)
        if organisation.status != "active":
            _refuse(
                SENDER_NOT_ACTIVE,
                f"{organisation.name} is {organisation.status}: only an active organisation "
                "may send. Activate it first (POST /api/v1/organisations/{id}/activation).",
            )
        data = await self._read(command.upload, command.inline)
        report, document = await self._report_and_heading(data)
        user = command.caller.user_id
        if not report.valid:
            await self._reject(
                organisation, user, "invalid", [f.rule for f in report.errors], sha256
            )
            _refuse(
                INVALID_INVOICE,
                f"{len(report.errors)} rule(s) failed; nothing was stored.",
                [
                    Violation(
                        rule=f.rule, message=f.message, severity=f.severity, location=f.location
                    )
                    for f in report.errors
                ],
            )
        assert document is not None  # read whenever the document is valid
        sender = participant_id(document.supplier.endpoint_scheme, document.supplier.endpoint_id)
        recipient = participant_id(document.customer.endpoint_scheme, document.customer.endpoint_id)
        if sender is None or sender not in organisation.participant_ids:
            await self._reject(organisation, user, "sender-mismatch", [], sha256)
            known = ", ".join(sorted(organisation.participant_ids)) or "none yet"
            addable = may_be_added(sender or "", organisation.participant_ids)
            _refuse(
                SENDER_MISMATCH,
                f"The supplier's EndpointID {sender or '(none)'} is not one of "
                f"{organisation.name}'s identifiers ({known}). Put one of those in the "
                "invoice, "
                + ("add it to this organisation as an identifier, " if addable else "")
                + "or send it from the organisation it belongs to.",
                [
                    Violation(
                        field="AccountingSupplierParty/Party/EndpointID",
                        message="must be one of the organisation's identifiers",
                    )
                ],
            )
        if recipient is None:
            _refuse(UNREADABLE_DOCUMENT, "The customer has no EndpointID to deliver to.")
        kept = await self._service.blobs.keep_document(data)
        facts = SubmissionFacts(
            document_type=document.kind,
            invoice_number=document.number,
            issue_date=document.issue_date,
            currency=document.currency,
            payable_amount=str(document.payable_amount),
            supplier_name=document.supplier.name,
            customer_name=document.customer.name,
            sender_participant_id=sender,
            recipient_participant_id=recipient,
        )
        warnings = [Finding(**f.model_dump()) for f in report.warnings]
        with caused_by(current_correlation_id()):
            outcome = await self._service.executor.run(
                self._use.submit,
                organisation,
                user,
                key,
                sha256,
                facts,
                kept.model_dump(),
                warnings,
            )
        self._saved()
        if isinstance(outcome, Duplicate):
            _refuse(
                DUPLICATE_INVOICE,
                f"Invoice {facts.invoice_number} of {facts.issue_date} was submitted before "
                f"(invoice {outcome.invoice_id}); nothing was stored. Give a new invoice a new "
                "number.",
            )
        if isinstance(outcome, KeyReused):
            self._key_reused(outcome.invoice_id)
        assert isinstance(outcome, Accepted)
        return SubmissionAccepted(id=outcome.invoice_id, status=outcome.status)

    def _replayed(self, previous: tuple[str, uuid.UUID], sha256: str) -> SubmissionAccepted:
        used_for, invoice_id = previous
        if used_for != sha256:
            self._key_reused(invoice_id)
        return SubmissionAccepted(id=invoice_id, status="accepted")

    def _key_reused(self, invoice_id: uuid.UUID) -> NoReturn:
        _refuse(
            IDEMPOTENCY_KEY_REUSED,
            f"This Idempotency-Key was used for another document (invoice {invoice_id}); "
            "use a new key for a new document.",
        )

    async def _reject(
        self,
        organisation: KnownOrganisation,
        user: uuid.UUID,
        reason: str,
        rules: list[str],
        sha256: str,
    ) -> None:
        with caused_by(current_correlation_id()):
            await self._service.executor.run(
                self._use.reject, organisation, user, reason, sorted(set(rules)), sha256
            )
        self._saved()

    # -- reading ---------------------------------------------------------------------------

    async def invoices(self, query: ListInvoices) -> InvoicePage:
        """An organisation's invoices."""
        await self._organisation(query.caller, query.organisation_id)
        return await self._service.executor.run(self._use.page, query)

    async def invoice(self, query: GetInvoice) -> InvoiceDetail:
        """One invoice with its timeline."""
        await self._organisation(query.caller, query.organisation_id)
        found = await self._service.executor.run(
            self._use.detail, query.organisation_id, query.invoice_id
        )
        if found is None:
            _refuse(INVOICE_NOT_FOUND, f"invoice {query.invoice_id} is not known")
        return found

    async def document(self, query: GetInvoiceDocument) -> StoredDocument:
        """Where the UBL as submitted rests."""
        await self._organisation(query.caller, query.organisation_id)
        found = await self._service.executor.run(
            self._use.document, query.organisation_id, query.invoice_id
        )
        if found is None:
            _refuse(INVOICE_NOT_FOUND, f"invoice {query.invoice_id} is not known")
        ref, number = found
        return StoredDocument(
            document=DocumentRef(**ref), filename=download_name(number, query.invoice_id, "xml")
        )

    async def pdf(self, query: GetInvoicePdf) -> StoredDocument:
        """The PDF per the organisation's options: made once per set of options, then kept."""
        organisation = await self._organisation(query.caller, query.organisation_id)
        found = await self._service.executor.run(
            self._use.document, query.organisation_id, query.invoice_id
        )
        if found is None:
            _refuse(INVOICE_NOT_FOUND, f"invoice {query.invoice_id} is not known")
        ref, number = found
        options = (
            f"{organisation.generate_pdf}:{'merge' if organisation.merge_attachments else 'apart'}"
        )
        made = await self._service.executor.run(self._use.pdf, query.invoice_id, options)
        filename = download_name(number, query.invoice_id, "pdf")
        if made is not None:
            return StoredDocument(
                document=DocumentRef(
                    bucket="invoice_pdfs",
                    name=made["name"],
                    sha256=made["sha256"],
                    size=made["size"],
                    content_type="application/pdf",
                ),
                filename=filename,
            )
        data = await self._read(DocumentRef(**ref))
        choice = await asyncio.to_thread(
            lambda: pdf_for(
                read_document(parse_safely(data)),
                organisation.generate_pdf,  # type: ignore[arg-type]
                organisation.merge_attachments,
            )
        )
        if choice.pdf is None:
            _refuse(
                NO_PDF,
                "The organisation's PDF options say never to make one, and the invoice carries "
                "none. Change the options (PUT .../pdf-options) to get one.",
            )
        name = f"{query.invoice_id}-{hashlib.sha256(options.encode()).hexdigest()[:12]}.pdf"
        kept = await self._service.blobs.keep_pdf(name, choice.pdf)
        await self._service.executor.run(
            self._use.keep_pdf, query.invoice_id, options, kept.name, kept.sha256, kept.size
        )
        return StoredDocument(document=kept, filename=filename)
