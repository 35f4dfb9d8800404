"""What an invoice or credit note says, read out of its UBL: the model the PDF is drawn from."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

DocumentKind = Literal["Invoice", "CreditNote"]


class _Frozen(BaseModel):
    # Attachment bytes travel as base64 when a model is dumped to JSON.
    model_config = ConfigDict(frozen=True, ser_json_bytes="base64", val_json_bytes="base64")


class Party(_Frozen):
    """The supplier or the customer: legal name, network endpoint, identifiers, address, contact."""

    name: str
    endpoint_scheme: str | None = None
    endpoint_id: str | None = None
    vat_id: str | None = None
    company_id: str | None = None
    street: str | None = None
    additional_street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None


class InvoiceLine(_Frozen):
    """One invoice or credit note line; `unit_price` is the item's net price as stated."""

    id: str
    name: str
    description: str | None = None
    quantity: Decimal
    unit_code: str | None = None
    unit_price: Decimal | None = None
    line_amount: Decimal
    vat_category: str | None = None
    vat_percent: Decimal | None = None


class VatBreakdown(_Frozen):
    """The VAT of one category and rate (a TaxSubtotal)."""

    category: str
    percent: Decimal | None = None
    taxable_amount: Decimal
    tax_amount: Decimal
    exemption_reason: str | None = None


class Attachment(_Frozen):
    """A supporting document; `content` holds embedded bytes, an external `uri` is never fetched."""

    id: str | None = None
    description: str | None = None
    filename: str | None = None
    mime_code: str | None = None
    content: bytes | None = None
    uri: str | None = None


class PaymentDetails(_Frozen):
    """How to pay: means, the payee's account, the payment reference and the terms."""

    means_code: str | None = None
    iban: str | None = None
    bic: str | None = None
    account_name: str | None = None
    payment_id: str | None = None
    terms: str | None = None


class InvoiceDocument(_Frozen):
    """An invoice or credit note as its reader sees it; amounts in the document currency."""

    kind: DocumentKind
    number: str
    issue_date: date
    due_date: date | None = None
    currency: str
    buyer_reference: str | None = None
    order_reference: str | None = None
    notes: list[str] = []
    supplier: Party
    customer: Party
    lines: list[InvoiceLine]
    vat: list[VatBreakdown] = []
    tax_total: Decimal | None = None
    line_total: Decimal
    tax_exclusive: Decimal
    tax_inclusive: Decimal
    allowance_total: Decimal | None = None
    charge_total: Decimal | None = None
    prepaid: Decimal | None = None
    payable_amount: Decimal
    payment: PaymentDetails | None = None
    attachments: list[Attachment] = []


class DocumentHeading(_Frozen):
    """What a submission files and routes an invoice by: small enough to cross from the
    validation worker that read it."""

    kind: DocumentKind
    number: str
    issue_date: date
    currency: str
    payable_amount: Decimal
    supplier: Party
    customer: Party
