"""The /ops login cookie: it proves a login until it expires, never holds the token, and a new
operator token ends every session; forms started by another site are refused."""

from __future__ import annotations

import time

from gateway.operator_session import COOKIE, is_operator, same_site, session_value
from gateway.settings import GatewaySettings
from litestar.testing import RequestFactory

TOKEN = "operator-token-for-the-cookie-tests-0123456789"


def settings(token: str = TOKEN) -> GatewaySettings:
    return GatewaySettings(
        identity_public_key="x", identity_jwt_public_key="x", operator_token=token
    )


def request(cookie: str | None = None, **headers: str):  # type: ignore[no-untyped-def]
    if cookie is not None:
        headers["cookie"] = f"{COOKIE}={cookie}"
    return RequestFactory().get("/ops", headers=headers)


def test_a_fresh_cookie_is_an_operator_and_holds_no_token() -> None:
    value = session_value(settings())
    assert TOKEN not in value
    assert is_operator(request(value), settings())
    assert not is_operator(request(), settings())


def test_an_expired_forged_or_outdated_cookie_is_not() -> None:
    expired = session_value(settings(), now=time.time() - 9 * 3600)
    assert not is_operator(request(expired), settings())
    expires, _, signature = session_value(settings()).partition(".")
    assert not is_operator(request(f"{int(expires) + 3600}.{signature}"), settings())
    assert not is_operator(request(f"{expires}.{'0' * 64}"), settings())
    rotated = settings("another-operator-token-after-rotation-0123456789")
    assert not is_operator(request(session_value(settings())), rotated)


def test_the_bearer_token_works_too_and_a_short_configured_token_never_does() -> None:
    assert is_operator(request(authorization=f"Bearer {TOKEN}"), settings())
    assert not is_operator(request(authorization="Bearer wrong"), settings())
    assert not is_operator(request(authorization="Bearer short"), settings("short"))


def test_forms_started_by_another_site_are_refused() -> None:
    assert same_site(request(**{"sec-fetch-site": "same-origin"}))
    assert not same_site(request(**{"sec-fetch-site": "cross-site"}))
    assert not same_site(request(origin="https://evil.example", host="127.0.0.1:8000"))
    assert same_site(request(origin="http://127.0.0.1:8000", host="127.0.0.1:8000"))
