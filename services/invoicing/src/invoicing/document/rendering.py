"""Draw an InvoiceDocument as a readable A4 PDF, in Dutch or English."""

from __future__ import annotations

from decimal import Decimal

from invoicing.document.layout import Align, Column, Layout, Style
from invoicing.document.model import Attachment, InvoiceDocument, InvoiceLine, Party
from invoicing.document.wording import (
    PAYMENT_MEANS,
    TITLES,
    UNITS,
    VAT_CATEGORIES,
    Language,
    coded,
    format_amount,
    format_date,
    format_money,
    format_number,
    format_percent,
    label,
)

TITLE = Style(size=18, bold=True)
HEADING = Style(size=10, bold=True)
BODY = Style(size=9)
BOLD = Style(size=9, bold=True)
SMALL = Style(size=8)
SMALL_BOLD = Style(size=8, bold=True)
NOTE = Style(size=7.5, grey=90)
KEEP_TOGETHER = 40.0  # mm: a line up to this tall is never split over two pages
# The columns of the line table: label, width in mm (the page has 174), alignment.
LINE_COLUMNS: tuple[tuple[str, float, Align], ...] = (
    ("line_no", 10, "L"),
    ("description", 72, "L"),
    ("quantity", 18, "R"),
    ("unit", 18, "L"),
    ("price", 20, "R"),
    ("amount", 24, "R"),
    ("vat_percent", 12, "R"),
)


def render_pdf(document: InvoiceDocument, language: Language = "nl") -> bytes:
    """The document as a PDF: parties, lines, VAT, totals, payment, notes and attachments."""
    title = f"{TITLES[document.kind][language]} {document.number}"
    layout = Layout(
        footer=f"{title} · {document.supplier.name}",
        fine_print=label("legal_note", language),
        page_label=label("page", language),
        title=title,
        author=document.supplier.name,
        day=document.issue_date,
    )
    drawing = _Drawing(layout, document, language)
    drawing.heading(title)
    drawing.parties()
    drawing.lines()
    drawing.vat_breakdown()
    drawing.totals()
    drawing.payment()
    drawing.notes()
    drawing.attachments()
    return layout.output()


class _Drawing:
    """One rendering in progress: the sections of the invoice from top to bottom."""

    def __init__(self, layout: Layout, document: InvoiceDocument, language: Language) -> None:
        self.layout = layout
        self.document = document
        self.language = language

    def _(self, key: str) -> str:
        return label(key, self.language)

    def money(self, value: Decimal) -> str:
        return format_money(value, self.document.currency, self.language)

    def heading(self, title: str) -> None:
        layout, document = self.layout, self.document
        layout.paragraph(title, Column(layout.left, layout.width * 0.6), TITLE)
        layout.skip(2)
        facts = [
            (
                self._("issue_date" if document.kind == "Invoice" else "credit_date"),
                format_date(document.issue_date, self.language),
            ),
            (
                self._("due_date"),
                document.due_date and format_date(document.due_date, self.language),
            ),
            (self._("currency"), document.currency),
            (self._("buyer_reference"), document.buyer_reference),
            (self._("order_reference"), document.order_reference),
        ]
        name, value = Column(layout.left, 34), Column(layout.left + 34, layout.width - 34)
        for key, text in facts:
            if text:
                layout.row([(key, name), (text, value)], BODY)
        layout.skip(5)

    def parties(self) -> None:
        layout = self.layout
        half = layout.width / 2
        columns = (Column(layout.left, half - 6), Column(layout.left + half, half))
        blocks = [
            self._party_lines(self._("supplier"), self.document.supplier),
            self._party_lines(self._("customer"), self.document.customer),
        ]
        wrapped = [
            [(line, style) for text, style in block for line in layout.wrap(text, col.width, style)]
            for block, col in zip(blocks, columns, strict=True)
        ]
        layout.room_for(max(len(w) for w in wrapped) * BODY.line_height)
        top = layout.y
        bottoms = []
        for lines, column in zip(wrapped, columns, strict=True):
            layout.y = top
            for text, style in lines:
                layout.row([(text, column)], style)
            bottoms.append(layout.y)
        layout.y = max(bottoms)
        layout.skip(6)

    def _party_lines(self, role: str, party: Party) -> list[tuple[str, Style]]:
        place = " ".join(p for p in (party.postal_code, party.city) if p)
        contact = ", ".join(
            c for c in (party.contact_name, party.contact_phone, party.contact_email) if c
        )
        endpoint = ":".join(e for e in (party.endpoint_scheme, party.endpoint_id) if e)
        lines: list[tuple[str | None, Style]] = [
            (role.upper(), NOTE),
            (party.name, BOLD),
            (party.street, BODY),
            (party.additional_street, BODY),
            (place, BODY),
            (party.country, BODY),
            (party.vat_id and f"{self._('vat_id')}: {party.vat_id}", SMALL),
            (party.company_id and f"{self._('company_id')}: {party.company_id}", SMALL),
            (contact and f"{self._('contact')}: {contact}", SMALL),
            (party.endpoint_id and f"{self._('endpoint')}: {endpoint}", SMALL),
        ]
        return [(text, style) for text, style in lines if text]

    def _line_columns(self) -> list[Column]:
        x, columns, gap = self.layout.left, [], 1.5
        for index, (_key, width, align) in enumerate(LINE_COLUMNS):
            # Every column keeps a gap to its neighbours, except at the page's edges.
            start = x if index == 0 else x + gap
            end = x + width if index == len(LINE_COLUMNS) - 1 else x + width - gap
            columns.append(Column(start, end - start, align))
            x += width
        return columns

    def lines(self) -> None:
        layout = self.layout
        columns = self._line_columns()
        header = [
            (self._(key), column)
            for (key, _w, _a), column in zip(LINE_COLUMNS, columns, strict=True)
        ]
        header[5] = (f"{self._('amount')} ({self.document.currency})", columns[5])

        def draw_header() -> None:
            layout.shade(SMALL_BOLD.line_height + 1)
            layout.y += 0.5
            layout.row(header, SMALL_BOLD)
            layout.y += 0.5

        layout.room_for(SMALL_BOLD.line_height * 4)
        draw_header()
        layout.on_new_page = draw_header
        for line in self.document.lines:
            self._line(line, columns)
        layout.on_new_page = None
        layout.skip(2)
        layout.rule()
        layout.skip(5)

    def _line(self, line: InvoiceLine, columns: list[Column]) -> None:
        layout, language = self.layout, self.language
        description = columns[1]
        texts = [(text, SMALL) for text in layout.wrap(line.name, description.width, SMALL)]
        if line.description and line.description != line.name:
            texts += [(t, NOTE) for t in layout.wrap(line.description, description.width, NOTE)]
        # Keep a short line's rows together; a long one starts at once and runs over the page.
        layout.room_for(min(sum(style.line_height for _t, style in texts) + 0.8, KEEP_TOGETHER))
        figures = [
            (line.id, columns[0]),
            (format_number(line.quantity, language), columns[2]),
            (coded(UNITS, line.unit_code, language), columns[3]),
            (
                "" if line.unit_price is None else format_amount(line.unit_price, language),
                columns[4],
            ),
            (format_amount(line.line_amount, language), columns[5]),
            (format_percent(line.vat_percent, language), columns[6]),
        ]
        first, *rest = texts
        layout.row([(first[0], description), *figures], SMALL)
        for text, style in rest:
            layout.row([(text, description)], style)
        layout.y += 0.8

    def vat_breakdown(self) -> None:
        if not self.document.vat:
            return
        layout = self.layout
        left = layout.left
        columns = (
            Column(left, 80),
            Column(left + 80, 20, "R"),
            Column(left + 100, 37, "R"),
            Column(left + 137, 37, "R"),
        )
        layout.room_for(HEADING.line_height + SMALL.line_height * (2 + len(self.document.vat)))
        layout.row([(self._("vat_breakdown"), Column(left, layout.width))], HEADING)
        layout.skip(1)
        keys = ("vat_category", "vat_rate", "taxable_amount", "tax_amount")
        layout.row([(self._(k), c) for k, c in zip(keys, columns, strict=True)], SMALL_BOLD)
        for vat in self.document.vat:
            name = coded(VAT_CATEGORIES, vat.category, self.language)
            category = f"{vat.category} \u2013 {name}" if name != vat.category else vat.category
            texts = [category, format_percent(vat.percent, self.language)]
            texts += [self.money(vat.taxable_amount), self.money(vat.tax_amount)]
            layout.row(list(zip(texts, columns, strict=True)), SMALL)
            if vat.exemption_reason:
                layout.paragraph(vat.exemption_reason, Column(left + 4, 76), NOTE)
        layout.skip(5)

    def totals(self) -> None:
        layout, document = self.layout, self.document
        names, values = Column(layout.right - 90, 55), Column(layout.right - 35, 35, "R")
        payable_key = "refund" if document.kind == "CreditNote" else "payable"
        rows: list[tuple[str, Decimal | None, bool]] = [
            ("line_total", document.line_total, False),
            ("allowance_total", document.allowance_total, False),
            ("charge_total", document.charge_total, False),
            ("tax_exclusive", document.tax_exclusive, False),
            ("tax_total", document.tax_total, False),
            ("tax_inclusive", document.tax_inclusive, False),
            ("prepaid", document.prepaid, False),
            (payable_key, document.payable_amount, True),
        ]
        # Allowances, charges and prepayments of zero say nothing; leave them out.
        optional = ("allowance_total", "charge_total", "prepaid")
        shown = [
            (key, value, strong)
            for key, value, strong in rows
            if value is not None and (value or key not in optional)
        ]
        layout.room_for(BODY.line_height * (len(shown) + 1) + 3)
        for key, value, strong in shown:
            if strong:
                layout.skip(1)
                layout.pdf.set_draw_color(60)
                layout.pdf.line(names.x, layout.y, layout.right, layout.y)
                layout.skip(1)
            style = Style(size=10.5, bold=True) if strong else BODY
            layout.row([(self._(key), names), (self.money(value), values)], style)
        layout.skip(6)

    def payment(self) -> None:
        payment = self.document.payment
        if payment is None:
            return
        layout = self.layout
        name, value = Column(layout.left, 38), Column(layout.left + 38, layout.width - 38)
        means = payment.means_code and coded(PAYMENT_MEANS, payment.means_code, self.language)
        facts = [
            ("means", means),
            ("iban", payment.iban),
            ("bic", payment.bic),
            ("account_name", payment.account_name),
            ("payment_id", payment.payment_id),
        ]
        shown = [(key, text) for key, text in facts if text]
        layout.room_for(HEADING.line_height + BODY.line_height * (len(shown) + 1))
        layout.row([(self._("payment"), Column(layout.left, layout.width))], HEADING)
        layout.skip(1)
        for key, text in shown:
            layout.row([(self._(key), name), (text, value)], BODY)
        if payment.terms:
            lines = layout.wrap(payment.terms, value.width, BODY)
            for index, text in enumerate(lines):
                layout.row([(self._("terms") if index == 0 else "", name), (text, value)], BODY)
        layout.skip(5)

    def notes(self) -> None:
        if not self.document.notes:
            return
        layout = self.layout
        layout.room_for(HEADING.line_height + BODY.line_height * 2)
        layout.row([(self._("notes"), Column(layout.left, layout.width))], HEADING)
        layout.skip(1)
        for note in self.document.notes:
            layout.paragraph(note, Column(layout.left, layout.width), BODY)
            layout.skip(1.5)
        layout.skip(4)

    def attachments(self) -> None:
        if not self.document.attachments:
            return
        layout = self.layout
        layout.room_for(HEADING.line_height + BODY.line_height * 2)
        layout.row([(self._("attachments"), Column(layout.left, layout.width))], HEADING)
        layout.skip(1)
        for attachment in self.document.attachments:
            layout.paragraph(
                self._attachment_text(attachment), Column(layout.left, layout.width), SMALL
            )
        layout.skip(4)

    def _attachment_text(self, attachment: Attachment) -> str:
        name = attachment.filename or attachment.id or "?"
        parts = [f"• {name}"]
        if attachment.description:
            parts.append(f"\u2013 {attachment.description}")
        details = [attachment.mime_code] if attachment.mime_code else []
        if attachment.content is not None:
            details.append(_size(len(attachment.content), self.language))
        elif attachment.uri:
            details.append(f"{self._('external')}: {attachment.uri}")
        else:
            details.append(self._("no_content"))
        return " ".join(parts) + f" ({', '.join(details)})"


def _size(count: int, language: Language) -> str:
    if count < 1024:
        return f"{count} bytes"
    kilobytes = Decimal(count) / 1024
    if kilobytes < 1024:
        return f"{format_number(kilobytes.quantize(Decimal(1)), language)} kB"
    return f"{format_number((kilobytes / 1024).quantize(Decimal('0.1')), language)} MB"
