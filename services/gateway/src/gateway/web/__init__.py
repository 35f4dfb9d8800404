"""The people's web pages, served by the gateway at / (server-rendered, in Dutch and English).

The pages act through the same code as the JSON API's routes (the same commands, request
models and helpers), with the session in cookies instead of an Authorization header.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, Router, get
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.handlers import HTTPRouteHandler
from litestar.response import Redirect
from litestar.static_files import create_static_files_router

from gateway.problems import Problem, handle_http
from gateway.web.explain import Explanation, explain
from gateway.web.invoice_pages import InvoicePages
from gateway.web.me_pages import MePages
from gateway.web.organisation_pages import OrganisationPages
from gateway.web.render import STATIC, render
from gateway.web.session_pages import SessionPages
from gateway.web.visit import (
    ACCESS_COOKIE,
    CSRF_COOKIE,
    PAGE_HEADERS,
    REFRESH_COOKIE,
    LoginRequired,
    language_of,
    open_visit,
    visit_of,
)
from gateway.web.words import say


def _to_login(request: Request[Any, Any, Any], _: LoginRequired) -> Redirect:
    """To the login form, and after it back to the page asked for (a link in a mail, say).
    "Your session has ended" only to someone who had one."""
    had_session = bool(request.cookies.get(ACCESS_COOKIE) or request.cookies.get(REFRESH_COOKIE))
    wanted = request.url.path
    if request.method == "GET" and request.url.query:
        wanted += f"?{request.url.query}"
    query = urlencode(
        {"done": "session.expired" if had_session else "login.needed", "next": wanted}
    )
    redirect = Redirect(f"/login?{query}", status_code=303, headers=PAGE_HEADERS)
    visit = visit_of(request)
    return visit.keep_cookies(redirect) if visit else redirect


def _problem_page(
    request: Request[Any, Any, Any], problem: Problem, message: str | None = None
) -> Response[str]:
    """A problem no page handled itself: a page that says it in words, never JSON."""
    language = language_of(request)
    if message is not None:
        explanation = Explanation(message, status=problem.status_code)
    elif problem.type_ == "urn:problem:web:csrf":
        explanation = Explanation(say(language, "error.csrf"), status=403)
    else:
        explanation = explain(problem, language)
    html = render(
        "message.html",
        language=language,
        csrf_token=request.cookies.get(CSRF_COOKIE, ""),
        signed_in=bool(request.cookies.get(ACCESS_COOKIE)),
        path=request.url.path,
        query="",
        notice=None,
        heading=say(language, "error.title"),
        lines=[],
        link=("/", say(language, "back")),
        problem=explanation,
    )
    response = Response(
        html,
        status_code=problem.status_code,
        media_type="text/html",
        headers={**PAGE_HEADERS, **(problem.headers or {})},
    )
    visit = visit_of(request)
    return visit.keep_cookies(response) if visit else response


# Paths of the JSON API, the operators' API and the machine endpoints: they answer problem+json.
MACHINE_PATHS = ("/api/", "/ops/api", "/schema", "/health", "/ready", "/metrics", "/static/")


def wants_a_page(request: Request[Any, Any, Any]) -> bool:
    """A browser asking for a page (not the API, not a file): it gets HTML, never JSON."""
    return "text/html" in request.headers.get("accept", "") and not request.url.path.startswith(
        MACHINE_PATHS
    )


def not_found(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """An address that leads nowhere: a page in words for a browser, problem+json otherwise."""
    if exc.status_code != 404 or not wants_a_page(request):
        return handle_http(request, exc)
    return _problem_page(
        request,
        Problem(404, "urn:problem:not-found", "Not Found", None),
        message=say(language_of(request), "error.not_found"),
    )


@get("/favicon.ico", include_in_schema=False, sync_to_thread=False)
def favicon() -> Redirect:
    """Browsers that ask for /favicon.ico get the pages' icon."""
    return Redirect("/static/web/favicon.svg", status_code=301)


WEB_ROUTES: list[Router | HTTPRouteHandler] = [
    favicon,
    Router(
        path="/",
        route_handlers=[SessionPages, MePages, OrganisationPages, InvoicePages],
        dependencies={"visit": Provide(open_visit)},
        exception_handlers={LoginRequired: _to_login, Problem: _problem_page},
        include_in_schema=False,
    ),
    create_static_files_router(path="/static/web", directories=[STATIC], name="web-static"),
]

__all__ = ["WEB_ROUTES", "not_found", "wants_a_page"]
