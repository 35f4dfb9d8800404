"""Mails speak the user's language and carry the link with its token."""

from __future__ import annotations

from datetime import UTC, datetime

from notifications.mail.rendering import local_datetime, render, verification_link


def test_the_verification_mail_in_dutch() -> None:
    link = verification_link("http://127.0.0.1:8000/", "abc-123")
    mail = render(
        "email_verification", "nl", {"full_name": "Ann", "link": link, "expires_at": "morgen"}
    )
    assert mail.subject == "Bevestig je e-mailadres voor E-facturatie"
    assert "token=abc-123" in mail.text
    assert "Hallo Ann" in mail.text
    assert 'href="http://127.0.0.1:8000/verify-email?token=abc-123"' in mail.html


def test_the_verification_mail_in_english_escapes_names_in_html() -> None:
    mail = render(
        "email_verification",
        "en",
        {"full_name": "<b>Bob</b>", "link": "http://x/?token=1", "expires_at": "x"},
    )
    assert mail.subject.startswith("Confirm your e-mail address")
    assert "&lt;b&gt;Bob&lt;/b&gt;" in mail.html


def test_dates_are_shown_in_dutch_time_and_words() -> None:
    moment = datetime(2026, 11, 28, 14, 41, tzinfo=UTC)
    assert local_datetime(moment, "nl").startswith("28 november 2026")
    assert "15:41" in local_datetime(moment, "nl")
    assert local_datetime(moment, "en").startswith("November 28, 2026")
