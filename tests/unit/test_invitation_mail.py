"""The invitation mail names who invites, where to, and carries the accept link."""

from __future__ import annotations

from notifications.mail.rendering import invitation_link, render


def context(role: str = "member") -> dict[str, str]:
    return {
        "inviter_name": "Ann <de Boer>",
        "environment_name": "Example",
        "organisation_names": "Sales BV, Books BV",
        "role": role,
        "link": invitation_link("http://127.0.0.1:8000/", "tok-123"),
        "expires_at": "3 december 2026",
    }


def test_the_invitation_in_dutch_is_the_default_voice() -> None:
    mail = render("invitation", "nl", context())
    assert mail.subject == "Ann <de Boer> nodigt je uit voor E-facturatie"
    assert "http://127.0.0.1:8000/accept-invitation?token=tok-123" in mail.text
    assert "als lid van: Sales BV, Books BV" in mail.text
    assert "Ann &lt;de Boer&gt;" in mail.html


def test_the_invitation_in_english_names_the_admin_role() -> None:
    mail = render("invitation", "en", context("admin"))
    assert mail.subject == "Ann <de Boer> invites you to E-invoicing"
    assert "as an admin of: Sales BV, Books BV" in mail.text


def test_a_name_that_ends_in_a_full_stop_gets_no_second_one() -> None:
    for language in ("nl", "en"):
        mail = render("invitation", language, {**context(), "organisation_names": "Bakker B.V."})
        assert "Bakker B.V." in mail.text and "B.V.." not in mail.text + mail.html
