"""The words and number formats of the invoice PDF, in Dutch and English."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from invoicing.document.model import DocumentKind

Language = Literal["nl", "en"]

LABELS: dict[str, dict[Language, str]] = {
    "issue_date": {"nl": "Factuurdatum", "en": "Issue date"},
    "credit_date": {"nl": "Datum", "en": "Issue date"},
    "due_date": {"nl": "Vervaldatum", "en": "Due date"},
    "currency": {"nl": "Valuta", "en": "Currency"},
    "buyer_reference": {"nl": "Uw referentie", "en": "Your reference"},
    "order_reference": {"nl": "Ordernummer", "en": "Order number"},
    "supplier": {"nl": "Leverancier", "en": "Supplier"},
    "customer": {"nl": "Klant", "en": "Customer"},
    "vat_id": {"nl": "Btw-nummer", "en": "VAT number"},
    "company_id": {"nl": "KvK/registratienr.", "en": "Company reg. no."},
    "endpoint": {"nl": "E-factuuradres", "en": "E-invoice address"},
    "contact": {"nl": "Contact", "en": "Contact"},
    "line_no": {"nl": "Nr", "en": "No"},
    "description": {"nl": "Omschrijving", "en": "Description"},
    "quantity": {"nl": "Aantal", "en": "Quantity"},
    "unit": {"nl": "Eenheid", "en": "Unit"},
    "price": {"nl": "Prijs", "en": "Price"},
    "amount": {"nl": "Bedrag", "en": "Amount"},
    "vat_percent": {"nl": "Btw", "en": "VAT"},
    "continued": {"nl": "vervolg", "en": "continued"},
    "vat_breakdown": {"nl": "Btw-specificatie", "en": "VAT breakdown"},
    "vat_category": {"nl": "Categorie", "en": "Category"},
    "vat_rate": {"nl": "Tarief", "en": "Rate"},
    "taxable_amount": {"nl": "Grondslag", "en": "Taxable amount"},
    "tax_amount": {"nl": "Btw-bedrag", "en": "VAT amount"},
    "line_total": {"nl": "Totaal regels", "en": "Sum of lines"},
    "allowance_total": {"nl": "Kortingen", "en": "Allowances"},
    "charge_total": {"nl": "Toeslagen", "en": "Charges"},
    "tax_exclusive": {"nl": "Totaal excl. btw", "en": "Total excl. VAT"},
    "tax_total": {"nl": "Btw", "en": "VAT"},
    "tax_inclusive": {"nl": "Totaal incl. btw", "en": "Total incl. VAT"},
    "prepaid": {"nl": "Reeds betaald", "en": "Paid in advance"},
    "payable": {"nl": "Te betalen", "en": "Amount due"},
    "refund": {"nl": "Te ontvangen", "en": "Amount to be credited"},
    "payment": {"nl": "Betaling", "en": "Payment"},
    "means": {"nl": "Betaalwijze", "en": "Payment means"},
    "iban": {"nl": "IBAN", "en": "IBAN"},
    "bic": {"nl": "BIC", "en": "BIC"},
    "account_name": {"nl": "Ten name van", "en": "Account name"},
    "payment_id": {"nl": "Betalingskenmerk", "en": "Payment reference"},
    "terms": {"nl": "Voorwaarden", "en": "Terms"},
    "notes": {"nl": "Opmerkingen", "en": "Notes"},
    "attachments": {"nl": "Bijlagen", "en": "Attachments"},
    "external": {"nl": "extern", "en": "external"},
    "no_content": {"nl": "zonder inhoud", "en": "no content"},
    "page": {"nl": "pagina {page} van {pages}", "en": "page {page} of {pages}"},
    "legal_note": {
        "nl": "Weergave van een e-factuur; het UBL-bericht is het geldende document.",
        "en": "Rendering of an e-invoice; the UBL message is the legally valid document.",
    },
}

TITLES: dict[DocumentKind, dict[Language, str]] = {
    "Invoice": {"nl": "Factuur", "en": "Invoice"},
    "CreditNote": {"nl": "Creditnota", "en": "Credit note"},
}

# UNCL 5305 VAT categories as EN 16931 uses them.
VAT_CATEGORIES: dict[str, dict[Language, str]] = {
    "S": {"nl": "Standaardtarief", "en": "Standard rate"},
    "Z": {"nl": "Nultarief", "en": "Zero rated"},
    "E": {"nl": "Vrijgesteld", "en": "Exempt"},
    "AE": {"nl": "Btw verlegd", "en": "Reverse charge"},
    "K": {"nl": "Intracommunautaire levering", "en": "Intra-community supply"},
    "G": {"nl": "Export buiten de EU", "en": "Export outside the EU"},
    "O": {"nl": "Niet onderworpen aan btw", "en": "Not subject to VAT"},
    "L": {"nl": "IGIC (Canarische Eilanden)", "en": "IGIC (Canary Islands)"},
    "M": {"nl": "IPSI (Ceuta en Melilla)", "en": "IPSI (Ceuta and Melilla)"},
}

# UNCL 4461 payment means, the ones seen on Dutch and Peppol invoices.
PAYMENT_MEANS: dict[str, dict[Language, str]] = {
    "1": {"nl": "Niet gespecificeerd", "en": "Not defined"},
    "10": {"nl": "Contant", "en": "Cash"},
    "30": {"nl": "Overschrijving", "en": "Credit transfer"},
    "31": {"nl": "Overschrijving", "en": "Debit transfer"},
    "42": {"nl": "Betaling op bankrekening", "en": "Payment to bank account"},
    "48": {"nl": "Betaalkaart", "en": "Bank card"},
    "49": {"nl": "Automatische incasso", "en": "Direct debit"},
    "54": {"nl": "Creditcard", "en": "Credit card"},
    "55": {"nl": "Debitcard", "en": "Debit card"},
    "57": {"nl": "Doorlopende machtiging", "en": "Standing agreement"},
    "58": {"nl": "SEPA-overschrijving", "en": "SEPA credit transfer"},
    "59": {"nl": "SEPA-incasso", "en": "SEPA direct debit"},
    "68": {"nl": "Online betaling", "en": "Online payment service"},
    "97": {"nl": "Verrekening", "en": "Clearing between partners"},
}

# UN/ECE Recommendation 20 units that invoices use most; others are shown by their code.
UNITS: dict[str, dict[Language, str]] = {
    "C62": {"nl": "stuk", "en": "unit"},
    "H87": {"nl": "stuk", "en": "piece"},
    "EA": {"nl": "stuk", "en": "each"},
    "XPP": {"nl": "stuk", "en": "piece"},
    "HUR": {"nl": "uur", "en": "hour"},
    "MIN": {"nl": "minuut", "en": "minute"},
    "DAY": {"nl": "dag", "en": "day"},
    "WEE": {"nl": "week", "en": "week"},
    "MON": {"nl": "maand", "en": "month"},
    "ANN": {"nl": "jaar", "en": "year"},
    "KGM": {"nl": "kg", "en": "kg"},
    "GRM": {"nl": "g", "en": "g"},
    "TNE": {"nl": "ton", "en": "tonne"},
    "MTR": {"nl": "m", "en": "m"},
    "KMT": {"nl": "km", "en": "km"},
    "MTK": {"nl": "m²", "en": "m²"},
    "MTQ": {"nl": "m³", "en": "m³"},
    "LTR": {"nl": "liter", "en": "litre"},
    "KWH": {"nl": "kWh", "en": "kWh"},
    "SET": {"nl": "set", "en": "set"},
    "LS": {"nl": "post", "en": "lump sum"},
    "ZZ": {"nl": "onderling bepaald", "en": "mutually defined"},
}

MONTHS: dict[Language, tuple[str, ...]] = {
    "nl": (
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}

CURRENCY_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}


def label(key: str, language: Language) -> str:
    """A fixed text of the PDF in the reader's language."""
    return LABELS[key][language]


def coded(table: dict[str, dict[Language, str]], code: str | None, language: Language) -> str:
    """The name of a code from one of the code lists, or the code itself when we do not know it."""
    if code is None:
        return ""
    names = table.get(code.strip().upper())
    return names[language] if names else code


def format_date(day: date, language: Language) -> str:
    """A date spelt out ("13 november 2017"), so no reader mixes up day and month."""
    return f"{day.day} {MONTHS[language][day.month - 1]} {day.year}"


def format_number(value: Decimal, language: Language, min_decimals: int = 0) -> str:
    """A number with thousands grouping; at least `min_decimals`, more when the value has them."""
    exponent = value.normalize().as_tuple().exponent
    decimals = max(min_decimals, -exponent if isinstance(exponent, int) and exponent < 0 else 0)
    text = f"{value:,.{decimals}f}"
    if language == "nl":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def format_amount(value: Decimal, language: Language) -> str:
    """A money amount without currency: two decimals, more if the document states more."""
    return format_number(value, language, min_decimals=2)


def format_money(value: Decimal, currency: str, language: Language) -> str:
    """A money amount with its currency: "€ 1.656,25" in Dutch, "€1,656.25" in English."""
    number = format_amount(abs(value), language)
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    sign = "-" if value < 0 else ""
    if language == "nl":
        return f"{symbol or currency} {sign}{number}"
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{currency} {number}"


def format_percent(value: Decimal | None, language: Language) -> str:
    """A VAT rate ("21%", "5,5%"); empty when the category has none."""
    return "" if value is None else f"{format_number(value, language)}%"
