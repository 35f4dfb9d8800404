"""An organisation's invoices: send by uploading UBL (each broken rule listed with where it is),
inbox and outbox with their status, one invoice's timeline, and its UBL and PDF."""

from __future__ import annotations

import uuid
from typing import Any, Literal
from uuid import UUID

from contracts.commands.invoicing import GetInvoice, InvoiceDetail, InvoicePage, ListInvoices
from contracts.commands.organisations import GetOrganisation, Organisation
from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from gateway.problems import Problem
from gateway.routes.invoices import download_pdf, download_ubl, submit_document
from gateway.routes.organisations import organisation_member
from gateway.web.explain import Explanation, explain
from gateway.web.me_pages import Upload
from gateway.web.visit import Visit

PER_PAGE = 25


class InvoicePages(Controller):
    """/organisations/{id}/invoices and one invoice."""

    path = "/organisations/{organisation_id:uuid}/invoices"

    @get("/")
    async def invoices(
        self,
        visit: NamedDependency[Visit],
        organisation_id: FromPath[UUID],
        direction: FromQuery[Literal["outgoing", "incoming"]] = "outgoing",
        page: FromQuery[int] = 1,
    ) -> Response[str]:
        """Outbox or inbox, newest first, and the form to send one."""
        return await self._list(visit, organisation_id, direction, max(1, min(page, 100000)))

    async def _list(
        self,
        visit: Visit,
        organisation_id: UUID,
        direction: str = "outgoing",
        page: int = 1,
        status: int = 200,
        problem: Explanation | None = None,
    ) -> Response[str]:
        member = await organisation_member(organisation_id, visit.signed_in(), visit.bus)
        organisation = await visit.bus.call(
            GetOrganisation(caller=member, organisation_id=organisation_id), Organisation
        )
        listed = await visit.bus.call(
            ListInvoices(
                caller=member,
                organisation_id=organisation_id,
                direction=direction,
                page=page,
                per_page=PER_PAGE,
            ),
            InvoicePage,
        )
        return visit.page(
            "invoices.html",
            status,
            organisation=organisation,
            direction=direction,
            listed=listed,
            pages=max(1, -(-listed.total // PER_PAGE)),
            problem=problem,
            idempotency_key=str(uuid.uuid4()),
        )

    @post("/", status_code=200)
    async def send(
        self, visit: NamedDependency[Visit], organisation_id: FromPath[UUID], data: Upload
    ) -> Response[str] | Redirect:
        """Like POST .../invoices; the form's key makes a second press of the button harmless."""
        visit.check_csrf(data)
        member = await organisation_member(organisation_id, visit.signed_in(), visit.bus)
        upload = data.get("document")
        body = await upload.read() if isinstance(upload, UploadFile) else b""
        if not body:
            problem = Explanation(visit.say("inv.send.missing"))
            return await self._list(visit, organisation_id, status=422, problem=problem)
        key = str(data.get("idempotency_key") or uuid.uuid4())[:200]
        try:
            accepted = await submit_document(
                body, organisation_id, key, member, visit.bus, visit.settings
            )
        except Problem as refusal:
            problem = explain(refusal, visit.language)
            return await self._list(visit, organisation_id, status=problem.status, problem=problem)
        return visit.redirect(
            f"/organisations/{organisation_id}/invoices/{accepted.id}?done=inv.sent"
        )

    @get("/{invoice_id:uuid}")
    async def invoice(
        self, visit: NamedDependency[Visit], organisation_id: FromPath[UUID], invoice_id: UUID
    ) -> Response[str]:
        """Status, parties, amount, warnings, why it failed, and the timeline."""
        member = await organisation_member(organisation_id, visit.signed_in(), visit.bus)
        detail = await visit.bus.call(
            GetInvoice(caller=member, organisation_id=organisation_id, invoice_id=invoice_id),
            InvoiceDetail,
        )
        return visit.page("invoice.html", invoice=detail)

    @get("/{invoice_id:uuid}/ubl")
    async def ubl(
        self, visit: NamedDependency[Visit], organisation_id: FromPath[UUID], invoice_id: UUID
    ) -> Response[Any]:
        """The UBL as submitted."""
        member = await organisation_member(organisation_id, visit.signed_in(), visit.bus)
        response = await download_ubl(
            organisation_id, invoice_id, member, visit.bus, visit.settings
        )
        return visit.keep_cookies(response)

    @get("/{invoice_id:uuid}/pdf")
    async def pdf(
        self, visit: NamedDependency[Visit], organisation_id: FromPath[UUID], invoice_id: UUID
    ) -> Response[Any]:
        """The PDF per the organisation's PDF options."""
        member = await organisation_member(organisation_id, visit.signed_in(), visit.bus)
        response = await download_pdf(
            organisation_id, invoice_id, member, visit.bus, visit.settings
        )
        return visit.keep_cookies(response)
