"""The web pages' own rules, without any service behind the gateway: cookies, CSRF, language,
redirects, the OpenAPI document, problems in words, and sharing one token refresh."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from contracts.commands.sessions import TokenPair
from gateway.app import create_app
from gateway.problems import Problem
from gateway.settings import GatewaySettings
from gateway.web.explain import explain
from gateway.web.visit import RecentRefreshes
from litestar.testing import TestClient

from tests.conftest import new_keys


def _client(base_url: str = "http://testserver.local", **settings: Any) -> TestClient[Any]:
    keys = new_keys()
    app = create_app(
        GatewaySettings(
            nats_url="nats://127.0.0.1:9",  # nothing listens: these pages need no service
            identity_public_key=keys["IDENTITY_PUBLIC_KEY"],
            identity_jwt_public_key=keys["IDENTITY_JWT_PUBLIC_KEY"],
            **settings,
        )
    )
    return TestClient(app, base_url=base_url)


@pytest.fixture
def client() -> Iterator[TestClient[Any]]:
    with _client() as client:
        yield client


def test_pages_speak_dutch_unless_the_browser_or_the_visitor_asks_for_english(
    client: TestClient[Any],
) -> None:
    assert 'lang="nl"' in client.get("/signup").text
    english = client.get("/signup", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert 'lang="en"' in english.text and "Create account" in english.text
    switched = client.get("/language?to=nl&next=/signup", follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/signup"
    assert "Account maken" in client.get("/signup", headers={"Accept-Language": "en"}).text


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "javascript:x", "/\\evil.example"]
)
def test_the_language_switch_never_sends_anyone_to_another_site(
    client: TestClient[Any], target: str
) -> None:
    answer = client.get("/language", params={"to": "en", "next": target}, follow_redirects=False)
    assert answer.headers["location"] == "/"


def test_the_csrf_cookie_is_httponly_and_lax_and_secure_only_over_https() -> None:
    with _client() as plain:
        cookie = plain.get("/login").headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    with _client("https://testserver.local") as tls:
        assert "secure" in tls.get("/login").headers["set-cookie"].lower()
    with _client(web_secure_cookies=True) as forced:
        assert "secure" in forced.get("/login").headers["set-cookie"].lower()


def test_a_form_without_the_visitors_token_is_refused_in_words(client: TestClient[Any]) -> None:
    client.get("/login")  # the visitor's CSRF cookie
    answer = client.post(
        "/login",
        data={"email": "a@example.nl", "password": "x", "csrf_token": "guessed"},
        headers={"Accept-Language": "en"},
    )
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
    assert "did not come from this site" in answer.text


def test_pages_for_signed_in_people_send_others_to_log_in(client: TestClient[Any]) -> None:
    for path in ("/account", "/account/email", "/organisations", "/welcome"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login"), path
    # Someone who never logged in (a link in a mail) is asked to, not told a session ended,
    # and the login form takes them to the page they asked for.
    page = "/organisations/6f0c5b1e-8a1e-4c1e-9a57-1f6b3c1d2a90/invoices/5b0e1c8e-6d0a-4f5e-9c57-1f6b3c1d2a90"
    answer = client.get(page, follow_redirects=False)
    assert answer.headers["location"] == f"/login?done=login.needed&next={quote(page, safe='')}"
    form = client.get(answer.headers["location"]).text
    assert f'name="next" value="{page}"' in form
    assert "Log in om deze pagina te zien." in form


def test_the_pages_are_not_part_of_the_api_document(client: TestClient[Any]) -> None:
    paths = client.get("/schema/openapi.json").json()["paths"]
    assert all(
        path.startswith(("/api/", "/ops", "/health", "/ready", "/metrics", "/asyncapi"))
        for path in paths
    ), sorted(paths)


def test_a_page_headers_keep_it_out_of_frames_and_caches(client: TestClient[Any]) -> None:
    headers = client.get("/login").headers
    assert headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_problems_are_said_in_the_visitors_language_with_their_rules() -> None:
    refused = Problem(
        422,
        "urn:problem:invoicing:invalid-document",
        "The document breaks the rules",
        "1 rule(s) failed; nothing was stored.",
        errors=[{"rule": "BR-05", "severity": "fatal", "message": "[BR-05]-…", "location": "/x"}],
    )
    dutch = explain(refused, "nl")
    assert dutch.message.startswith("De factuur voldoet niet")
    assert dutch.findings == [{**refused.errors[0], "count": 1}] and not dutch.fields
    same = {"rule": "PEPPOL-EN16931-R051", "severity": "fatal", "message": "[R051]-…"}
    thirteen = Problem(
        422,
        "urn:problem:invoicing:invalid-document",
        "The document breaks the rules",
        "14 rule(s) failed; nothing was stored.",
        errors=[{**same, "location": f"/a[{i}]"} for i in range(13)]
        + [{"rule": "BR-05", "severity": "fatal", "message": "[BR-05]-…", "location": "/x"}],
    )
    rows = explain(thirteen, "nl").findings
    assert [(row["rule"], row["location"], row["count"]) for row in rows] == [
        ("PEPPOL-EN16931-R051", "/a[0]", 13),
        ("BR-05", "/x", 1),
    ]
    identifier = Problem(
        422,
        "urn:problem:organisation:invalid-identifier",
        "Invalid",
        "checksum",
        errors=[{"field": "value", "rule": "checksum", "message": "the check digit is wrong"}],
    )
    english = explain(identifier, "en")
    assert english.message == "This identifier is not valid."
    assert english.fields == [
        {
            "name": "value",
            "label": "Value",
            "rule": "checksum",
            "message": "the check digit is wrong",
        }
    ]
    unknown = explain(Problem(418, "urn:problem:teapot", "I am a teapot", "short and stout"), "en")
    assert (unknown.message, unknown.detail) == ("I am a teapot", "short and stout")


class CountingBus:
    """Answers RefreshSession slowly, counting how often it was asked."""

    def __init__(self) -> None:
        self.asked = 0

    async def call(self, command: Any, reply: Any) -> TokenPair:
        self.asked += 1
        await asyncio.sleep(0.05)
        return TokenPair(access_token="a2", refresh_token="r2", expires_in=900)


async def test_racing_refreshes_of_one_token_ask_identity_once() -> None:
    bus = CountingBus()
    refreshes = RecentRefreshes()
    pairs = await asyncio.gather(*(refreshes.refresh(bus, "r1") for _ in range(3)))  # type: ignore[arg-type]
    assert bus.asked == 1 and {pair.refresh_token for pair in pairs} == {"r2"}


def test_text_answers_name_their_charset_once(client: TestClient[Any]) -> None:
    """Litestar adds the charset to every text/* type itself: naming it as well said it twice."""
    expected = {
        "/login": "text/html; charset=utf-8",
        "/ops": "text/html; charset=utf-8",
        "/metrics": "text/plain; version=0.0.4; charset=utf-8",
    }
    found = {path: client.get(path).headers["content-type"] for path in expected}
    assert found == expected


def test_liveness_answers_head_as_well(client: TestClient[Any]) -> None:
    answer = client.head("/health")
    assert (answer.status_code, answer.content) == (200, b"")


def test_options_names_every_method_of_the_path(client: TestClient[Any]) -> None:
    """Litestar kept the first controller's OPTIONS answer when a second added methods."""
    app = client.app
    checked = 0
    for route in app.routes:
        methods = getattr(route, "methods", None)
        if not methods or "{" in route.path:
            continue
        answer = client.options(route.path)
        assert answer.status_code == 204, route.path
        assert set(answer.headers["allow"].split(", ")) == set(methods), route.path
        checked += 1
    assert checked > 20
    assert set(client.options("/api/v1/me").headers["allow"].split(", ")) == {
        "GET",
        "PATCH",
        "OPTIONS",
    }


def test_the_language_switch_goes_back_to_a_page_not_to_a_forms_post_address(
    client: TestClient[Any],
) -> None:
    """After a form answered with its errors the browser is at the form's POST address; the
    switch goes to the page above it instead of asking that address with GET (405)."""
    organisation = "/organisations/6f0c5b1e-8a1e-4c1e-9a57-1f6b3c1d2a90"

    def back_to(target: str) -> str:
        answer = client.get(
            "/language", params={"to": "en", "next": target}, follow_redirects=False
        )
        return str(answer.headers["location"])

    assert back_to(f"{organisation}/identifiers") == organisation
    assert back_to("/account/email") == "/account/email"
    assert back_to("/login") == "/login"
    assert back_to("/no/such/page") == "/"


def test_the_pages_have_an_icon(client: TestClient[Any]) -> None:
    assert 'rel="icon" href="/static/web/favicon.svg"' in client.get("/login").text
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")


def test_an_address_that_leads_nowhere_is_a_page_for_browsers_and_json_for_programs(
    client: TestClient[Any],
) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    page = client.get("/bestaat-niet", headers={**browser, "Accept-Language": "nl"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Deze pagina bestaat niet." in page.text
    english = client.get("/nowhere", headers={**browser, "Accept-Language": "en"})
    assert "This page does not exist." in english.text
    for program in (
        client.get("/bestaat-niet"),  # no Accept: a program
        client.get("/api/v1/nothing-here", headers=browser),  # the API answers JSON always
    ):
        assert program.status_code == 404
        assert program.headers["content-type"].startswith("application/problem+json")


def test_the_navigation_marks_the_page_you_are_on(client: TestClient[Any]) -> None:
    login = client.get("/login", headers={"Accept-Language": "nl"}).text
    assert '<a href="/login" aria-current="page">' in login
    assert '<a href="/signup">' in login


def test_a_mails_link_opens_its_page_in_the_mails_language(client: TestClient[Any]) -> None:
    english_browser = {"Accept-Language": "en-GB,en;q=0.9"}
    dutch = client.get("/verify-email?token=abc&lang=nl", headers=english_browser)
    assert '<html lang="nl">' in dutch.text and "E-mailadres bevestigen" in dutch.text
    assert '<link rel="stylesheet" href="/static/web/site.css">' in dutch.text
    english = client.get("/reset-password?token=abc", headers=english_browser)
    assert '<html lang="en">' in english.text
    # This page asks identity what the invitation offers; with no service here it says that
    # it cannot, in the mail's language too.
    invited = client.get("/accept-invitation?token=abc&lang=en", headers={"Accept-Language": "nl"})
    assert invited.status_code == 503 and '<html lang="en">' in invited.text
