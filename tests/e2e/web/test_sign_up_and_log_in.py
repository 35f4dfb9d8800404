"""Signing up, confirming the address from the mail, logging in and out: in a real browser."""

from __future__ import annotations

import httpx
from devstack.stack import Stack
from playwright.sync_api import Page, expect

from tests.browser import assert_accessible, screenshot
from tests.e2e.identity.people import an_address
from tests.e2e.system import PASSWORD, token_in, wait_for_mails
from tests.e2e.web.pages import a_verified_person, log_in


def test_a_person_signs_up_confirms_the_mail_link_and_logs_in(system: Stack, page: Page) -> None:
    email = an_address("anna")
    page.goto(f"{system.gateway_url}/signup")
    assert_accessible(page, context="sign-up page")
    page.get_by_label("Full name").fill("Anna de Vries")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Language").select_option("en")
    screenshot(page, "web-01-sign-up")
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("heading", name="Check your mailbox")).to_be_visible()
    assert_accessible(page, context="sign-up sent page")
    screenshot(page, "web-02-sign-up-sent")

    link = f"/verify-email?token={token_in(wait_for_mails(system, email)[0])}"
    page.goto(f"{system.gateway_url}{link}")
    assert_accessible(page, context="confirm page")
    screenshot(page, "web-02a-confirm")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Your e-mail address is confirmed")).to_be_visible()
    screenshot(page, "web-03-verified")

    log_in(page, system, email)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.get_by_text("Welcome, Anna de Vries.")).to_be_visible()
    assert_accessible(page, context="overview")
    screenshot(page, "web-04-overview")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    page.goto(f"{system.gateway_url}/account")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    # Logged out, asked to log in (no talk of a session), and back at the page asked for.
    expect(page.get_by_text("Log in to see this page.")).to_be_visible()
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert page.url == f"{system.gateway_url}/account"


def test_what_goes_wrong_is_said_in_words(system: Stack, page: Page) -> None:
    page.goto(f"{system.gateway_url}/signup")
    page.get_by_label("Full name").fill("Bram")
    page.get_by_label("E-mail address").fill(an_address("bram"))
    page.get_by_label("Password", exact=True).fill("aaaaaaaaaaaa")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_contain_text("too easy to guess")
    assert_accessible(page, context="sign-up with a weak password")
    screenshot(page, "web-05-weak-password")

    email = a_verified_person(system, "carla")
    log_in(page, system, email, password="not the right password at all")
    expect(page.get_by_role("alert")).to_contain_text(
        "The e-mail address or the password is not right."
    )
    assert_accessible(page, context="login refused")
    screenshot(page, "web-06-wrong-password")


def test_a_dutch_page_says_what_is_wrong_in_dutch(system: Stack, page: Page) -> None:
    page.goto(f"{system.gateway_url}/signup")
    page.get_by_role("link", name="Nederlands").click()
    page.get_by_label("Volledige naam").fill("Bram")
    page.get_by_label("E-mailadres").fill("bram@")
    page.get_by_label("Wachtwoord", exact=True).fill("kort")
    # The browser checks these itself, in its own language; the page checks them again.
    page.locator("form:has(#f-email)").evaluate("form => form.noValidate = true")
    page.get_by_role("button", name="Account maken").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Dit is geen geldig e-mailadres.")
    expect(alert).to_contain_text("Gebruik minstens 12 tekens.")

    page.get_by_label("E-mailadres").fill(an_address("bram"))
    page.get_by_label("Wachtwoord", exact=True).fill("aaaaaaaaaaaa")
    page.get_by_role("button", name="Account maken").click()
    # identity's length rule passed; zxcvbn's advice, from identity, in Dutch
    expect(alert).to_contain_text('Herhalingen zoals "aaa" zijn makkelijk te raden.')
    expect(alert).not_to_contain_text("guess")
    assert_accessible(page, context="sign-up in Dutch with a weak password")
    screenshot(page, "web-05b-weak-password-dutch")


def test_the_pages_speak_dutch_when_asked(system: Stack, page: Page) -> None:
    page.goto(f"{system.gateway_url}/login")
    page.get_by_role("link", name="Nederlands").click()
    expect(page.get_by_role("heading", name="Inloggen")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    assert_accessible(page, context="login page in Dutch")
    screenshot(page, "web-07-login-dutch")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_the_session_lives_in_httponly_samesite_cookies_and_forms_need_their_token(
    system: Stack, page: Page
) -> None:
    log_in(page, system, a_verified_person(system, "dirk"))
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    for name in ("einvoice_access", "einvoice_refresh", "einvoice_csrf"):
        assert cookies[name]["httpOnly"], name
        assert cookies[name]["sameSite"] == "Lax", name
        assert not cookies[name]["secure"], "plain http here; https gets the Secure flag"

    # Another site's form carries the session cookie (if the browser sends it) but not the
    # token: refused, and nothing changes.
    session = {"einvoice_access": cookies["einvoice_access"]["value"]}
    forged = httpx.post(
        f"{system.gateway_url}/account",
        data={"full_name": "Mallory", "csrf_token": "x" * 43},
        cookies={**session, "einvoice_csrf": cookies["einvoice_csrf"]["value"]},
        headers={"Accept-Language": "en"},
    )
    assert forged.status_code == 403
    assert "did not come from this site" in forged.text
    page.goto(f"{system.gateway_url}/account")
    expect(page.get_by_label("Full name")).to_have_value("Test User")
