"""One visit to a page: who is signed in (by the session cookies), its language and CSRF token.

The session is the token pair identity issues at login, kept in HttpOnly, SameSite=Lax cookies
(Secure over https): the pages act with the same access token an API client would send. An
expired access token is exchanged for a new pair on the next page, once per refresh token even
when a page's requests race (a refresh token presented twice would end the whole session).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, TypeVar

from contracts.commands.caller import Caller
from contracts.commands.profile import Profile
from contracts.commands.sessions import RefreshSession, TokenPair
from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.response import Redirect

from gateway.auth import Authentication
from gateway.bus import Bus
from gateway.problems import Problem
from gateway.routes.me import Profiles
from gateway.settings import GatewaySettings
from gateway.web.render import render
from gateway.web.words import LANGUAGES, WORDS, say

ACCESS_COOKIE = "einvoice_access"
REFRESH_COOKIE = "einvoice_refresh"
CSRF_COOKIE = "einvoice_csrf"
LANGUAGE_COOKIE = "einvoice_language"
CSRF_FIELD = "csrf_token"
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' blob: data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
}


class LoginRequired(Exception):
    """A page for signed-in people was asked for without a (live) session."""


class RecentRefreshes:
    """Refreshes answered in the last half minute, so a page's parallel requests share one."""

    def __init__(self, keep_seconds: float = 30.0) -> None:
        self.keep_seconds = keep_seconds
        self._answers: dict[str, tuple[float, asyncio.Future[TokenPair]]] = {}

    async def refresh(self, bus: Bus, refresh_token: str) -> TokenPair:
        """The new pair for `refresh_token`: asked of identity once, shared meanwhile."""
        now = time.monotonic()
        for token, (at, _) in list(self._answers.items()):
            if now - at > self.keep_seconds:
                del self._answers[token]
        known = self._answers.get(refresh_token)
        if known is not None:
            return await asyncio.shield(known[1])
        future: asyncio.Future[TokenPair] = asyncio.get_running_loop().create_future()
        self._answers[refresh_token] = (now, future)
        try:
            pair = await bus.call(RefreshSession(refresh_token=refresh_token[:512]), TokenPair)
        except BaseException as error:
            del self._answers[refresh_token]
            future.set_exception(error)
            future.exception()  # retrieved: nobody else may be waiting
            raise
        future.set_result(pair)
        return pair


REFRESHES = RecentRefreshes()
R = TypeVar("R", bound=Response[Any])


@dataclass
class Visit:
    """What a page handler needs about the request it answers."""

    request: Request[Any, Any, Any]
    bus: Bus
    settings: GatewaySettings
    authentication: Authentication
    profiles: Profiles
    language: str
    csrf_token: str
    secure: bool
    caller: Caller | None = None
    cookies: list[Cookie] = field(default_factory=list)

    def signed_in(self) -> Caller:
        """The signed-in caller; pages without one send the visitor to the login page."""
        if self.caller is None:
            raise LoginRequired
        return self.caller

    async def profile(self) -> Profile:
        """The signed-in user's profile (the gateway's cache keeps this cheap)."""
        return Profile.model_validate_json(await self.profiles.read(self.signed_in()))

    def cookie(self, key: str, value: str | None, *, httponly: bool = True) -> None:
        """Set (or with None, delete) a cookie on whatever this visit answers."""
        self.cookies.append(
            Cookie(
                key=key,
                value=value or "",
                path="/",
                max_age=None if value else 0,
                secure=self.secure,
                httponly=httponly,
                samesite="lax",
            )
        )

    def start_session(self, pair: TokenPair, language: str | None = None) -> None:
        """Keep a new token pair; a new CSRF token too, so none from before login survives."""
        self.cookie(ACCESS_COOKIE, pair.access_token)
        self.cookie(REFRESH_COOKIE, pair.refresh_token)
        self.csrf_token = secrets.token_urlsafe(32)
        self.cookie(CSRF_COOKIE, self.csrf_token)
        if language in LANGUAGES:
            self.choose_language(str(language))

    def end_session(self) -> None:
        """Forget the session's cookies."""
        self.cookie(ACCESS_COOKIE, None)
        self.cookie(REFRESH_COOKIE, None)
        self.caller = None

    def choose_language(self, language: str) -> None:
        """The pages' language from now on."""
        self.language = language
        self.cookie(LANGUAGE_COOKIE, language)

    def say(self, key: str, **values: str) -> str:
        """A text in the visitor's language."""
        return say(self.language, key, **values)

    def check_csrf(self, form: dict[str, Any]) -> None:
        """Refuse a form that does not carry this visitor's CSRF token."""
        check_csrf(self.request, form.get(CSRF_FIELD))

    def page(self, template: str, status: int = 200, **context: Any) -> Response[str]:
        """A page from templates/web/, with the frame's context."""
        done = self.request.query_params.get("done", "")
        context.setdefault("notice", self.say(done) if done in WORDS else None)
        html = render(
            template,
            language=self.language,
            csrf_token=self.csrf_token,
            signed_in=self.caller is not None,
            path=self.request.url.path,
            query=self.request.url.query,
            **context,
        )
        return Response(
            html,
            status_code=status,
            media_type="text/html",
            headers=PAGE_HEADERS,
            cookies=self.cookies,
        )

    def keep_cookies(self, response: R) -> R:
        """`response` with this visit's cookies: a renewed token pair must reach the browser
        on every answer, or its next page would present a spent refresh token."""
        for cookie in self.cookies:
            response.set_cookie(cookie)
        return response

    def redirect(self, path: str) -> Redirect:
        """See other: the browser asks for `path` (after a form, so a reload does not repost)."""
        return Redirect(path, status_code=303, cookies=self.cookies, headers=PAGE_HEADERS)


def language_of(request: Request[Any, Any, Any]) -> str:
    """The language chosen on the pages (its cookie), else English for browsers that ask for
    it first, else Dutch."""
    language = request.cookies.get(LANGUAGE_COOKIE, "")
    if language in LANGUAGES:
        return language
    accepted = request.headers.get("accept-language", "").lower()
    return "en" if accepted.startswith("en") else "nl"


async def open_visit(
    request: Request[Any, Any, Any],
    bus: NamedDependency[Bus],
    settings: NamedDependency[GatewaySettings],
    authentication: NamedDependency[Authentication],
    profiles: NamedDependency[Profiles],
) -> Visit:
    """The dependency every page takes as `visit`."""
    cookies = request.cookies
    language = language_of(request)
    visit = Visit(
        request=request,
        bus=bus,
        settings=settings,
        authentication=authentication,
        profiles=profiles,
        language=language,
        csrf_token=cookies.get(CSRF_COOKIE, ""),
        secure=_secure(request, settings, authentication),
    )
    # The pages' exception handlers answer for this visit too (see `visit_of`).
    request.state.web_visit = visit
    if len(visit.csrf_token) < 32:
        visit.csrf_token = secrets.token_urlsafe(32)
        visit.cookie(CSRF_COOKIE, visit.csrf_token)
    access, refresh = cookies.get(ACCESS_COOKIE), cookies.get(REFRESH_COOKIE)
    if access:
        try:
            visit.caller = authentication.caller(f"Bearer {access}")
        except Problem as problem:
            if problem.status_code != 401:
                raise
            visit.caller = await _refreshed(visit, refresh)
    elif refresh:
        visit.caller = await _refreshed(visit, refresh)
    return visit


async def _refreshed(visit: Visit, refresh_token: str | None) -> Caller | None:
    if not refresh_token:
        visit.end_session()
        return None
    try:
        pair = await REFRESHES.refresh(visit.bus, refresh_token)
        caller = visit.authentication.caller(f"Bearer {pair.access_token}")
    except Problem as problem:
        if problem.status_code not in (400, 401, 403, 404):
            raise
        visit.end_session()
        return None
    visit.cookie(ACCESS_COOKIE, pair.access_token)
    visit.cookie(REFRESH_COOKIE, pair.refresh_token)
    return caller


def _secure(
    request: Request[Any, Any, Any], settings: GatewaySettings, authentication: Authentication
) -> bool:
    if settings.web_secure_cookies is not None:
        return settings.web_secure_cookies
    if request.url.scheme == "https":
        return True
    peer = request.client.host if request.client else ""
    forwarded = request.headers.get("x-forwarded-proto", "")
    return peer in authentication.trusted_proxies and forwarded.lower() == "https"


def visit_of(request: Request[Any, Any, Any]) -> Visit | None:
    """The visit a page's request opened, if it got that far."""
    visit = request.state.get("web_visit")
    return visit if isinstance(visit, Visit) else None


def check_csrf(request: Request[Any, Any, Any], submitted: object) -> None:
    """A form must carry the token of the visitor's CSRF cookie (double submit): 403 otherwise."""
    expected = request.cookies.get(CSRF_COOKIE, "")
    if (
        not isinstance(submitted, str)
        or len(expected) < 32
        or not secrets.compare_digest(submitted.encode(), expected.encode())
    ):
        raise Problem(403, "urn:problem:web:csrf", "The form cannot be accepted")
