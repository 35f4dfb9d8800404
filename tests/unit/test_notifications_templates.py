"""Every preference mail reads right in Dutch and English: a subject that says what happened,
amounts and dates as the reader writes them, a link to the page, and escaped HTML."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from notifications.domain.mail_kinds import PREFERENCE_OF
from notifications.mail.rendering import render
from servicekit.wording import amount, local_date

LINKS = {
    "link": "http://127.0.0.1:8000/organisations/o-1/invoices/i-1",
    "preferences_link": "http://127.0.0.1:8000/account/email",
}

CONTEXTS: dict[str, dict[str, Any]] = {
    "invoice_received": {
        "organisation_name": "Books <BV>",
        "document_type": "Invoice",
        "invoice_number": "INV-7",
        "issue_date": "2026-11-13",
        "currency": "EUR",
        "payable_amount": "1234.5",
        "supplier_name": "Supplier BV",
        "sender_participant_id": "0106:12345678",
        "received_at": "2026-11-28T14:41:00+00:00",
    },
    "invoice_sent": {
        "organisation_name": "Books <BV>",
        "document_type": "Invoice",
        "invoice_number": "INV-7",
        "issue_date": "2026-11-13",
        "currency": "EUR",
        "payable_amount": "1234.5",
        "customer_name": "Customer BV",
        "recipient_participant_id": "0106:2",
        "route": "platform",
        "sent_at": "2026-11-28T14:41:00+00:00",
    },
    "invoice_delivery_failed": {
        "organisation_name": "Books <BV>",
        "document_type": "CreditNote",
        "invoice_number": "INV-7",
        "issue_date": None,
        "currency": None,
        "payable_amount": None,
        "customer_name": None,
        "recipient_participant_id": "0106:2",
        "reason": "recipient-not-receiving",
        "detail": "The recipient does not receive.",
        "failed_at": "2026-11-28T14:41:00+00:00",
    },
    "organisation_activated": {
        "organisation_name": "Books <BV>",
        "activated_at": "2026-11-28T14:41:00+00:00",
    },
    "receiving_enabled": {
        "organisation_name": "Books <BV>",
        "participant_ids": "0106:87654321, 9944:NL123456789B01",
        "changed_at": "2026-11-28T14:41:00+00:00",
        "changed_by": "Ann",
    },
    "receiving_disabled": {
        "organisation_name": "Books <BV>",
        "participant_ids": "",
        "changed_at": "2026-11-28T14:41:00+00:00",
        "changed_by": None,
    },
    "product_news": {
        "title_nl": "Nieuw: <samenvattingen>",
        "title_en": "New: <summaries>",
        "body_nl": "Eerste alinea.\n\nTweede alinea.",
        "body_en": "First paragraph.\n\nSecond paragraph.",
        "news_link": None,
        "link": None,
    },
}

SUBJECTS = {
    ("invoice_received", "nl"): "Factuur INV-7 van Supplier BV ontvangen voor Books <BV>",
    ("invoice_received", "en"): "Invoice INV-7 from Supplier BV received for Books <BV>",
    ("invoice_sent", "nl"): "Factuur INV-7 is verzonden naar Customer BV",
    ("invoice_sent", "en"): "Invoice INV-7 was sent to Customer BV",
    ("invoice_delivery_failed", "nl"): "Creditnota INV-7 kon niet worden afgeleverd",
    ("invoice_delivery_failed", "en"): "Credit note INV-7 could not be delivered",
    ("organisation_activated", "nl"): "Books <BV> is geactiveerd: je kunt nu e-facturen versturen",
    ("organisation_activated", "en"): "Books <BV> is activated: you can now send e-invoices",
    ("receiving_enabled", "nl"): "Books <BV> ontvangt nu e-facturen",
    ("receiving_enabled", "en"): "Books <BV> now receives e-invoices",
    ("receiving_disabled", "nl"): "Books <BV> ontvangt geen e-facturen meer",
    ("receiving_disabled", "en"): "Books <BV> no longer receives e-invoices",
    ("product_news", "nl"): "Nieuw: <samenvattingen>",
    ("product_news", "en"): "New: <summaries>",
}


def test_every_preference_mail_has_a_template_scenario() -> None:
    assert set(CONTEXTS) == set(PREFERENCE_OF)


@pytest.mark.parametrize(("kind", "language"), sorted(SUBJECTS))
def test_the_mail_says_what_happened_in_the_readers_language(kind: str, language: str) -> None:
    context = {"full_name": "Ann & Bob", **LINKS, **CONTEXTS[kind]}
    mail = render(kind, language, context)
    assert mail.subject == SUBJECTS[(kind, language)]
    greeting = "Hallo" if language == "nl" else "Hello"
    assert f"{greeting} Ann & Bob," in mail.text
    assert "Ann &amp; Bob" in mail.html and "<BV>" not in mail.html
    assert LINKS["preferences_link"] in mail.text and LINKS["preferences_link"] in mail.html
    if context["link"]:
        assert context["link"] in mail.text and f'href="{context["link"]}"' in mail.html


def test_amounts_and_dates_are_written_as_the_reader_writes_them() -> None:
    assert amount("1234.5", "EUR", "nl") == "€\xa01.234,50"
    assert amount("1234.5", "EUR", "en") == "€1,234.50"
    assert amount("10", "USD", "nl") == "US$\xa010,00"
    assert local_date(date(2026, 11, 13), "nl") == "13 november 2026"
    assert local_date(date(2026, 11, 13), "en") == "November 13, 2026"
    mail = render(
        "invoice_received", "nl", {"full_name": "Ann", **LINKS, **CONTEXTS["invoice_received"]}
    )
    assert "€\xa01.234,50" in mail.text and "13 november 2026" in mail.text
    assert "28 november 2026" in mail.text and "15:41" in mail.text, "Dutch time"


def test_each_fact_stands_on_its_own_line() -> None:
    context = {"full_name": "Ann", **LINKS, **CONTEXTS["invoice_sent"]}
    text = render("invoice_sent", "en", context).text
    assert "  To:             Customer BV (0106:2)\n  Issue date:     November 13, 2026\n" in text


def test_a_delivery_failure_says_why_and_what_to_do() -> None:
    context = {"full_name": "Ann", **LINKS, **CONTEXTS["invoice_delivery_failed"]}
    assert "ontvangt geen e-facturen" in render("invoice_delivery_failed", "nl", context).text
    english = render("invoice_delivery_failed", "en", context).text
    assert "does not receive e-invoices" in english and "What you can do" in english


def test_no_route_quotes_the_networks_words_only_when_it_gave_any() -> None:
    context = {"full_name": "Ann", **LINKS, **CONTEXTS["invoice_delivery_failed"]}
    refused = {
        **context,
        "reason": "no-route",
        "detail": "the access point at ap.example refused the document (422): <No>.",
    }
    dutch = render("invoice_delivery_failed", "nl", refused)
    assert "geen route daarbuiten nam de factuur aan" in dutch.text
    assert "Toelichting: the access point at ap.example refused" in dutch.text
    assert "(422): &lt;No&gt;." in dutch.html
    english = render("invoice_delivery_failed", "en", refused).text
    assert "Why: the access point at ap.example refused the document (422): <No>." in english
    nowhere = {
        **context,
        "reason": "no-route",
        "detail": "The recipient 0106:2 is not on this platform, and there is no route outside "
        "this platform.",
    }
    for language in ("nl", "en"):
        text = render("invoice_delivery_failed", language, nowhere).text
        assert "Toelichting" not in text and "Why:" not in text
        assert "0106:2" in text


def test_product_news_keeps_its_paragraphs_and_escapes_them() -> None:
    context = {
        "full_name": "Ann",
        **LINKS,
        **CONTEXTS["product_news"],
        "body_en": "<b>Hi</b>\n\nBye",
    }
    mail = render("product_news", "en", context)
    assert "<p>&lt;b&gt;Hi&lt;/b&gt;</p>" in mail.html and "<p>Bye</p>" in mail.html
    assert "<b>Hi</b>\n\nBye" in mail.text
