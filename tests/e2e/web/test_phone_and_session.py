"""The pages on a phone-sized screen, and a session that outlives its access token."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
from devstack.stack import Stack
from playwright.sync_api import Browser, expect

from tests.browser import assert_accessible, screenshot
from tests.e2e.web.pages import a_verified_person, log_in


def test_the_pages_fit_a_phone(system: Stack, browser: Browser) -> None:
    context = browser.new_context(
        locale="en-GB",
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    try:
        page = context.new_page()
        log_in(page, system, a_verified_person(system, "lotte"))
        expect(page.get_by_role("heading", name="Overview")).to_be_visible()
        for path, name in (
            ("/", "overview"),
            ("/organisations?q=bakkerij", "organisations"),
            ("/account", "details"),
            ("/account/email", "emails"),
        ):
            page.goto(f"{system.gateway_url}{path}")
            # Nothing wider than the screen: no sideways scrolling on a phone.
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, f"{path} is {width}px wide on a 360px screen"
            assert_accessible(page, context=f"{name} on a phone")
            screenshot(page, f"web-40-phone-{name}")
    finally:
        context.close()


def test_an_expired_access_token_is_renewed_once_even_when_requests_race(
    system: Stack, browser: Browser
) -> None:
    context = browser.new_context(locale="en-GB")
    try:
        page = context.new_page()
        log_in(page, system, a_verified_person(system, "maarten"))
        expect(page.get_by_role("heading", name="Overview")).to_be_visible()
        cookies = {cookie["name"]: cookie["value"] for cookie in context.cookies()}
    finally:
        context.close()

    # As if the access token had expired: only the refresh token is left. Two of the page's
    # requests renew at the same moment; a refresh token used twice would end the session.
    kept = {"einvoice_refresh": cookies["einvoice_refresh"], "einvoice_language": "en"}

    def overview() -> httpx.Response:
        return httpx.get(f"{system.gateway_url}/", cookies=kept, timeout=30)

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: overview(), range(2)))
    for answer in answers:
        assert "Welcome," in answer.text
    renewed = answers[0].cookies
    assert renewed["einvoice_refresh"] != cookies["einvoice_refresh"]
    assert renewed["einvoice_access"] == answers[1].cookies["einvoice_access"]
    still = httpx.get(
        f"{system.gateway_url}/account", cookies={**kept, **dict(renewed)}, timeout=30
    )
    assert "My details" in still.text

    # A page that answers with a problem still hands over the renewed pair.
    missing = httpx.get(
        f"{system.gateway_url}/organisations/{uuid.uuid4()}",
        cookies={**kept, "einvoice_refresh": renewed["einvoice_refresh"]},
        timeout=30,
    )
    assert missing.status_code == 404 and "does not exist" in missing.text
    assert missing.cookies["einvoice_refresh"] not in (renewed["einvoice_refresh"], "")

    # A refresh token that was spent (and is no longer fresh in the gateway's memory) is not
    # a session: the visitor is sent to log in.
    gone = httpx.get(f"{system.gateway_url}/account", cookies={"einvoice_refresh": "nonsense"})
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login")
