"""Invoices: validate, submit, list, read, download (API.md, Invoices).

A large document travels to invoicing through the blob store, never inside a NATS message: the
gateway puts the raw body into `invoice_uploads` under its SHA-256 and names it in the command. A
small one (at most INLINE_DOCUMENT_BYTES, as almost every invoice is) travels inline in the
command, named the same way. The gateway never parses XML; invoicing does, safely (no DTDs, no
entities, no network).
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from contracts.commands.caller import Caller
from contracts.commands.invoicing import (
    INLINE_DOCUMENT_BYTES,
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
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK
from nats.js.errors import NotFoundError, ObjectNotFoundError
from servicekit.streams import INVOICE_UPLOADS_BUCKET, object_store

from gateway.auth import BEARER_SECURITY, authenticated_caller
from gateway.bus import Bus
from gateway.content import printable_query
from gateway.problems import Problem
from gateway.routes.organisations import organisation_member
from gateway.settings import GatewaySettings

XML_TYPES = ("application/xml", "text/xml")
DOCUMENT_COMMAND_TIMEOUT = 60.0


def _require_xml(request: Request[Any, Any, Any]) -> Any:
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type not in XML_TYPES and not media_type.endswith("+xml"):
        raise Problem(
            415,
            "urn:problem:unsupported-media-type",
            "Unsupported media type",
            f"Send the UBL document itself as application/xml (got {media_type or 'none'}).",
        )
    return None


async def upload_document(
    body: bytes, bus: Bus, settings: GatewaySettings
) -> tuple[DocumentRef, bytes | None]:
    """The document's reference, and the document itself when it is small enough to travel
    inline; a larger one is put into the blob store under its SHA-256, where commands name it."""
    if not body.strip():
        raise Problem(
            422,
            "urn:problem:invoicing:unreadable-document",
            "The document cannot be read safely",
            "The body is empty: send the UBL document itself as the body.",
        )
    digest = hashlib.sha256(body).hexdigest()
    ref = DocumentRef(bucket=INVOICE_UPLOADS_BUCKET, name=digest, sha256=digest, size=len(body))
    if len(body) <= INLINE_DOCUMENT_BYTES:
        return ref, body
    uploads = await object_store(
        bus.client.jetstream(), INVOICE_UPLOADS_BUCKET, settings.stream_replicas
    )
    await uploads.put(digest, body)
    return ref, None


async def _download(bus: Bus, settings: GatewaySettings, stored: StoredDocument) -> Response[bytes]:
    ref = stored.document
    store = await object_store(bus.client.jetstream(), ref.bucket, settings.stream_replicas)
    try:
        data = (await store.get(ref.name)).data or b""
    except (ObjectNotFoundError, NotFoundError) as error:
        raise Problem(
            503,
            "urn:problem:service-unavailable",
            "The document store cannot answer right now",
            "The document is not readable right now; please retry shortly.",
            headers={"Retry-After": "5"},
        ) from error
    return Response(
        data,
        media_type=ref.content_type,
        headers={
            "ETag": f'"{ref.sha256}"',
            "Content-Disposition": f'attachment; filename="{stored.filename}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


class ValidationController(Controller):
    """POST /api/v1/validations: the official rules, nothing stored."""

    path = "/api/v1/validations"
    tags = ["invoices"]
    dependencies = {"caller": Provide(authenticated_caller)}
    security = BEARER_SECURITY

    @post(
        "/",
        operation_id="validateDocument",
        status_code=HTTP_200_OK,
        before_request=_require_xml,
        summary="Check a UBL invoice or credit note by the official rules",
        description="The body is the UBL XML (at most 10 MB). The UBL 2.1 XSD, the EN 16931 "
        "rules and the Peppol BIS Billing 3.0 rules (with the Dutch NL-R rules) run as access "
        "points run them. 200 with `valid`, `errors` (fatal) and `warnings`, each with `rule`, "
        "`severity`, `message` and `location` (XPath). A document that cannot be read safely "
        "(DTD, entities, not well-formed, not an Invoice or CreditNote) is a 422.",
    )
    async def validate(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        bus: NamedDependency[Bus],
        settings: NamedDependency[GatewaySettings],
    ) -> ValidationResult:
        """Upload, then ask invoicing."""
        upload, inline = await upload_document(await request.body(), bus, settings)
        return await bus.call(
            ValidateDocument(upload=upload, inline=inline),
            ValidationResult,
            timeout=DOCUMENT_COMMAND_TIMEOUT,
        )


class InvoiceController(Controller):
    """An organisation's invoices."""

    path = "/api/v1/organisations/{organisation_id:uuid}/invoices"
    tags = ["invoices"]
    dependencies = {
        "caller": Provide(authenticated_caller),
        "member": Provide(organisation_member),
    }
    security = BEARER_SECURITY

    @post(
        "/",
        operation_id="submitInvoice",
        status_code=202,
        before_request=_require_xml,
        summary="Send an invoice",
        description=(
            "The body is the UBL XML (at most 10 MB). The `Idempotency-Key` header is "
            "required (400 without): the same key and body again answer the same; the same key "
            "with another body is a 422. Invalid by the rules: 422 listing each rule. The "
            "supplier's EndpointID must be one of the organisation's identifiers (422). The "
            "same invoice number and issue date again: 409. The organisation must be active: "
            "409. 202 with `Location`; the invoice is then routed to the customer's EndpointID "
            "(follow its status and timeline)."
        ),
    )
    async def submit(
        self,
        organisation_id: UUID,
        request: Request[Any, Any, Any],
        member: NamedDependency[Caller],
        bus: NamedDependency[Bus],
        settings: NamedDependency[GatewaySettings],
        idempotency_key: Annotated[
            str | None,
            Parameter(header="Idempotency-Key", required=False, max_length=200),
        ] = None,
    ) -> Response[SubmissionAccepted]:
        """Upload, then ask invoicing to accept it."""
        accepted = await submit_document(
            await request.body(), organisation_id, idempotency_key, member, bus, settings
        )
        location = f"/api/v1/organisations/{organisation_id}/invoices/{accepted.id}"
        return Response(accepted, status_code=202, headers={"Location": location})

    @get(
        "/",
        operation_id="listInvoices",
        summary="The organisation's invoices",
        description="Newest first; filter by `direction` (outgoing, incoming), `status`, "
        "`issued_from`/`issued_until` (issue date), `counterparty` (part of the other party's "
        "name or participant id) and `number` (part of the invoice number); `page`, `per_page`.",
    )
    async def invoices(
        self,
        organisation_id: UUID,
        member: NamedDependency[Caller],
        bus: NamedDependency[Bus],
        direction: Literal["outgoing", "incoming"] | None = None,
        status: Literal["accepted", "sent", "delivered", "delivery_failed", "received"]
        | None = None,
        issued_from: date | None = None,
        issued_until: date | None = None,
        counterparty: Annotated[str | None, Parameter(max_length=200)] = None,
        number: Annotated[str | None, Parameter(max_length=200)] = None,
        page: Annotated[int, Parameter(ge=1, le=100000)] = 1,
        per_page: Annotated[int, Parameter(ge=1, le=200)] = 25,
    ) -> InvoicePage:
        """Ask invoicing."""
        printable_query(counterparty=counterparty, number=number)
        return await bus.call(
            ListInvoices(
                caller=member,
                organisation_id=organisation_id,
                direction=direction,
                status=status,
                issued_from=issued_from,
                issued_until=issued_until,
                counterparty=counterparty,
                number=number,
                page=page,
                per_page=per_page,
            ),
            InvoicePage,
        )

    @get(
        "/{invoice_id:uuid}",
        operation_id="getInvoice",
        summary="One invoice with its timeline",
        description="Status, parties, amounts, warnings, why a delivery failed, and every step "
        "with its time.",
    )
    async def invoice(
        self,
        organisation_id: UUID,
        invoice_id: UUID,
        member: NamedDependency[Caller],
        bus: NamedDependency[Bus],
    ) -> InvoiceDetail:
        """Ask invoicing."""
        return await bus.call(
            GetInvoice(caller=member, organisation_id=organisation_id, invoice_id=invoice_id),
            InvoiceDetail,
        )

    @get(
        "/{invoice_id:uuid}/ubl",
        operation_id="getInvoiceUbl",
        summary="The UBL as submitted",
        media_type="application/xml",
    )
    async def ubl(
        self,
        organisation_id: UUID,
        invoice_id: UUID,
        member: NamedDependency[Caller],
        bus: NamedDependency[Bus],
        settings: NamedDependency[GatewaySettings],
    ) -> Response[bytes]:
        """Ask invoicing where it is, then read it from the blob store."""
        return await download_ubl(organisation_id, invoice_id, member, bus, settings)

    @get(
        "/{invoice_id:uuid}/pdf",
        operation_id="getInvoicePdf",
        summary="The PDF per the organisation's PDF options",
        description="Rendered (always, or if the invoice carries none) or the one it carries; "
        "with the PDF attachments merged in when the options say so. 404 when the options say "
        "never and the invoice carries none.",
        media_type="application/pdf",
    )
    async def pdf(
        self,
        organisation_id: UUID,
        invoice_id: UUID,
        member: NamedDependency[Caller],
        bus: NamedDependency[Bus],
        settings: NamedDependency[GatewaySettings],
    ) -> Response[bytes]:
        """Ask invoicing for it (made once per set of options), then read it."""
        return await download_pdf(organisation_id, invoice_id, member, bus, settings)


async def submit_document(
    body: bytes,
    organisation_id: UUID,
    idempotency_key: str | None,
    member: Caller,
    bus: Bus,
    settings: GatewaySettings,
) -> SubmissionAccepted:
    """Send an invoice (the API's and the web pages' way): upload, then ask invoicing."""
    upload, inline = await upload_document(body, bus, settings)
    return await bus.call(
        SubmitInvoice(
            caller=member,
            organisation_id=organisation_id,
            idempotency_key=idempotency_key,
            upload=upload,
            inline=inline,
        ),
        SubmissionAccepted,
        timeout=DOCUMENT_COMMAND_TIMEOUT,
    )


async def download_ubl(
    organisation_id: UUID, invoice_id: UUID, member: Caller, bus: Bus, settings: GatewaySettings
) -> Response[bytes]:
    """The UBL as submitted, as an attachment."""
    stored = await bus.call(
        GetInvoiceDocument(caller=member, organisation_id=organisation_id, invoice_id=invoice_id),
        StoredDocument,
    )
    return await _download(bus, settings, stored)


async def download_pdf(
    organisation_id: UUID, invoice_id: UUID, member: Caller, bus: Bus, settings: GatewaySettings
) -> Response[bytes]:
    """The PDF per the organisation's options (made once per set of options)."""
    stored = await bus.call(
        GetInvoicePdf(caller=member, organisation_id=organisation_id, invoice_id=invoice_id),
        StoredDocument,
        timeout=DOCUMENT_COMMAND_TIMEOUT,
    )
    return await _download(bus, settings, stored)
