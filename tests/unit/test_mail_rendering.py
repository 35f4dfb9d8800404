"""Mails speak the user's language and carry the link with its token."""

from __future__ import annotations

from datetime import UTC, datetime

from notifications.mail.rendering import (
    login_link,
    render,
    reset_link,
    verification_link,
)
from servicekit.wording import local_datetime


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
    assert local_datetime(moment, "en") == "November 28, 2026 at 15:41 CET"  # as local_moment


def test_the_reset_mail_carries_its_link_in_both_languages() -> None:
    link = reset_link("http://127.0.0.1:8000/", "r3set-t0ken")
    assert link == "http://127.0.0.1:8000/reset-password?token=r3set-t0ken"
    for language, subject in (
        ("nl", "Nieuw wachtwoord instellen voor E-facturatie"),
        ("en", "Set a new password for E-invoicing"),
    ):
        mail = render(
            "password_reset", language, {"full_name": "Ann", "link": link, "expires_at": "12:30"}
        )
        assert mail.subject == subject
        assert "token=r3set-t0ken" in mail.text and "12:30" in mail.text
        assert f'href="{link}"' in mail.html


def test_the_already_have_an_account_mail_points_to_login_and_reset() -> None:
    context = {
        "full_name": "Ann",
        "login_link": login_link("http://127.0.0.1:8000"),
        "forgot_password_link": reset_link("http://127.0.0.1:8000"),
    }
    dutch = render("account_exists", "nl", context)
    english = render("account_exists", "en", context)
    assert dutch.subject == "Je hebt al een account bij E-facturatie"
    assert english.subject == "You already have an E-invoicing account"
    for mail in (dutch, english):
        assert "http://127.0.0.1:8000/reset-password" in mail.text
        assert "token=" not in mail.text, "no way in, only pointers"


def test_the_access_removed_mail_says_who_removed_what_and_that_the_account_stays() -> None:
    context = {
        "full_name": "Bob",
        "organisation_name": "Acme BV",
        "role": "admin",
        "moved": False,
        "revoked_by": "Anna de Vries",
        "revoked_at": "2026-12-02T13:05:00+00:00",
        "login_link": login_link("http://127.0.0.1:8000"),
    }
    dutch = render("access_removed", "nl", context)
    english = render("access_removed", "en", context)
    assert dutch.subject == "Je toegang tot Acme BV is ingetrokken"
    assert english.subject == "Your access to Acme BV was removed"
    assert "Anna de Vries heeft je toegang tot Acme BV" in dutch.text
    assert "2 december 2026 om 14:05" in dutch.text and "Je was daar beheerder" in dutch.text
    assert "Anna de Vries removed your access to Acme BV" in english.text
    assert "You were an admin there" in english.text
    moved = render("access_removed", "nl", {**context, "moved": True, "revoked_by": None})
    assert "Acme BV is verhuisd naar een andere omgeving" in moved.text
    assert "opnieuw uit te nodigen" in moved.text and "Anna" not in moved.text
    unnamed = render("access_removed", "en", {**context, "revoked_by": None, "role": "member"})
    assert "Your access to Acme BV in E-invoicing was removed, on" in unnamed.text
    assert "You were a member there" in unnamed.text
    for mail in (dutch, english):
        assert context["login_link"] in mail.text and "preferences" not in mail.text


def test_every_html_mail_has_a_title() -> None:
    context = {
        "full_name": "A",
        "link": "http://x/?token=1",
        "expires_at": "x",
        "login_link": "http://x/",
        "forgot_password_link": "http://x/reset-password",
        "inviter_name": "B",
        "environment_name": "C",
        "organisation_names": "D",
        "organisation_name": "E",
        "revoked_by": "F",
        "moved": False,
        "revoked_at": "2026-12-02T13:05:00+00:00",
        "role": "member",
    }
    kinds = ("account_exists", "email_verification", "invitation", "password_reset")
    for kind in (*kinds, "access_removed"):
        for language in ("nl", "en"):
            mail = render(kind, language, context)
            assert f"<title>{mail.subject.strip()}" in mail.html, (kind, language)


def test_a_name_with_markup_stays_text_in_the_html_title() -> None:
    context = {
        "full_name": "A",
        "link": "http://x/?token=1",
        "expires_at": "x",
        "inviter_name": "</title><a href=https://evil.example>click</a>",
        "environment_name": "C",
        "organisation_names": "D",
        "role": "member",
        "organisation_name": "<b>Acme</b>",
        "revoked_by": "F",
        "moved": False,
        "revoked_at": "2026-12-02T13:05:00+00:00",
        "login_link": "http://x/",
    }
    for kind in ("invitation", "access_removed"):
        for language in ("nl", "en"):
            html = render(kind, language, context).html
            assert "<a href=https://evil.example>" not in html, (kind, language)
            assert "<b>Acme</b>" not in html, (kind, language)
