"""The /ops pages' login: the operator token, once, for a signed cookie.

The cookie never holds the token itself: it holds an expiry and an HMAC of it keyed by the
token, so changing OPERATOR_TOKEN ends every session. It is Secure, HttpOnly and
SameSite=Strict; forms that change something also refuse requests another site started
(Sec-Fetch-Site / Origin), so a page elsewhere cannot make an operator's browser act.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any
from urllib.parse import urlsplit

from litestar import Request

from gateway.operators import MINIMUM_TOKEN_LENGTH
from gateway.settings import GatewaySettings

COOKIE = "ops_session"
LIFETIME_SECONDS = 8 * 60 * 60


def configured_token(settings: GatewaySettings) -> str:
    """The operator token, or '' when none (or one too short) is configured."""
    token = settings.operator_token.get_secret_value() if settings.operator_token else ""
    return token if len(token) >= MINIMUM_TOKEN_LENGTH else ""


def token_is_right(settings: GatewaySettings, presented: str) -> bool:
    """Whether `presented` is the operator token (in constant time)."""
    token = configured_token(settings)
    return bool(token) and hmac.compare_digest(presented.strip().encode(), token.encode())


def session_value(settings: GatewaySettings, now: float | None = None) -> str:
    """A cookie value that proves a login until it expires."""
    expires = int((now or time.time()) + LIFETIME_SECONDS)
    return f"{expires}.{_signature(configured_token(settings), expires)}"


def is_operator(request: Request[Any, Any, Any], settings: GatewaySettings) -> bool:
    """A valid session cookie, or the operator token as a bearer header."""
    scheme, _, presented = (request.headers.get("authorization") or "").strip().partition(" ")
    if scheme.lower() == "bearer" and presented:
        return token_is_right(settings, presented)
    token = configured_token(settings)
    value = request.cookies.get(COOKIE, "")
    expires_text, _, signature = value.partition(".")
    if not token or not expires_text.isdigit() or int(expires_text) < time.time():
        return False
    return hmac.compare_digest(signature, _signature(token, int(expires_text)))


def same_site(request: Request[Any, Any, Any]) -> bool:
    """Whether a form post came from our own pages (not started by another site)."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin and origin != "null":
        return urlsplit(origin).netloc == request.headers.get("host", "")
    return True


def _signature(token: str, expires: int) -> str:
    return hmac.new(token.encode(), f"ops-session:{expires}".encode(), hashlib.sha256).hexdigest()
