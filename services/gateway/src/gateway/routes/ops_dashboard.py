"""GET /ops: the operators' dashboard, server-rendered (Jinja2), with forms for every action.

Its live part reloads itself every few seconds (a small script of our own fetches /ops/live;
without JavaScript the page refreshes). Actions are plain form posts answered by a redirect
back to the dashboard with a notice, so the browser's back button and reloads stay harmless.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

from contracts.commands.organisations import DecideActivation, Operator, Organisation
from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import File, Redirect

from gateway import ops_overview
from gateway.bus import Bus
from gateway.operator_session import (
    COOKIE,
    LIFETIME_SECONDS,
    configured_token,
    is_operator,
    same_site,
    session_value,
    token_is_right,
)
from gateway.problems import Problem
from gateway.routes.ops_bus import discard_letter, requeue_letter, start_rebuild
from gateway.settings import GatewaySettings

HERE = Path(__file__).resolve().parent.parent
STATIC = HERE / "static" / "ops"
STATIC_FILES = {"ops.js": "text/javascript", "ops.css": "text/css"}
REFRESH_SECONDS = 5
HTML = "text/html"  # Litestar adds "; charset=utf-8" to text/ types
# Our own script and stylesheet only; nothing inline runs, no other site is asked for anything.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}

templates = Environment(
    loader=FileSystemLoader(HERE / "templates" / "ops"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _html(template: str, status: int = 200, **context: Any) -> Response[str]:
    return Response(
        templates.get_template(template).render(**context),
        status_code=status,
        media_type=HTML,
        headers=SECURITY_HEADERS,
    )


def _back(notice: str) -> Redirect:
    return Redirect(f"/ops?notice={quote(notice[:300])}", status_code=303)


class OpsDashboardController(Controller):
    """/ops: login, the dashboard, its live part and its actions."""

    path = "/ops"
    include_in_schema = False

    @get("/", operation_id="opsDashboard")
    async def dashboard(
        self,
        request: Request[Any, Any, Any],
        bus: NamedDependency[Bus],
        settings: NamedDependency[GatewaySettings],
        notice: str = "",
    ) -> Response[str]:
        """The dashboard for an operator; the login form for anyone else."""
        if not is_operator(request, settings):
            return _html("login.html", error="")
        overview = await ops_overview.gather(bus, settings, _operator(request))
        return _html(
            "dashboard.html",
            o=overview,
            now=_now(),
            notice=notice[:300],
            refresh_seconds=REFRESH_SECONDS,
        )

    @get("/live", operation_id="opsDashboardLive")
    async def live(
        self,
        request: Request[Any, Any, Any],
        bus: NamedDependency[Bus],
        settings: NamedDependency[GatewaySettings],
    ) -> Response[str]:
        """The dashboard's live part, for its refresh (401 once the session has ended)."""
        if not is_operator(request, settings):
            return Response("", status_code=401, media_type=HTML, headers=SECURITY_HEADERS)
        overview = await ops_overview.gather(bus, settings, _operator(request))
        return _html("live.html", o=overview, now=_now())

    @get("/static/{name:str}", operation_id="opsStatic")
    async def static(self, name: str) -> File:
        """The dashboard's own script and stylesheet."""
        if name not in STATIC_FILES:
            raise Problem(404, "urn:problem:not-found", "Not found", f"No file {name!r} here.")
        return File(
            STATIC / name,
            media_type=STATIC_FILES[name],
            content_disposition_type="inline",
            headers={"Cache-Control": "max-age=300"},
        )

    @post("/login", operation_id="opsLogin", status_code=303)
    async def login(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        settings: NamedDependency[GatewaySettings],
    ) -> Response[str]:
        """The right token: a session cookie and the dashboard; else the form again (401)."""
        if not configured_token(settings):
            return _html(
                "login.html",
                status=403,
                error="Operator access is not configured on this gateway: set OPERATOR_TOKEN "
                "(at least 32 characters).",
            )
        if not same_site(request) or not token_is_right(settings, data.get("token", "")[:512]):
            return _html("login.html", status=401, error="That is not the operator token.")
        response: Response[str] = Redirect("/ops", status_code=303)
        response.set_cookie(
            COOKIE,
            session_value(settings),
            max_age=LIFETIME_SECONDS,
            path="/ops",
            secure=True,
            httponly=True,
            samesite="strict",
        )
        return response

    @post("/logout", operation_id="opsLogout", status_code=303)
    async def logout(self) -> Response[str]:
        """End the session."""
        response: Response[str] = Redirect("/ops", status_code=303)
        response.delete_cookie(COOKIE, path="/ops")
        return response

    @post("/dead-letters/{seq:int}/requeue", operation_id="opsRequeueForm", status_code=303)
    async def requeue(
        self,
        seq: int,
        request: Request[Any, Any, Any],
        bus: NamedDependency[Bus],
        settings: NamedDependency[GatewaySettings],
    ) -> Redirect:
        """Requeue a dead letter."""
        _require_operator(request, settings)
        try:
            letter = await requeue_letter(bus, seq)
        except Problem as problem:
            return _back(problem.problem_detail or problem.title)
        return _back(f"Dead letter {seq} requeued on {letter.original_subject}.")

    @post("/dead-letters/{seq:int}/discard", operation_id="opsDiscardForm", status_code=303)
    async def discard(
        self,
        seq: int,
        request: Request[Any, Any, Any],
        bus: NamedDependency[Bus],
        settings: NamedDependency[GatewaySettings],
    ) -> Redirect:
        """Discard a dead letter."""
        _require_operator(request, settings)
        try:
            await discard_letter(bus, seq)
        except Problem as problem:
            return _back(problem.problem_detail or problem.title)
        return _back(f"Dead letter {seq} discarded.")

    @post(
        "/activations/{organisation_id:uuid}/decision",
        operation_id="opsDecideActivationForm",
        status_code=303,
    )
    async def decide(
        self,
        organisation_id: UUID,
        request: Request[Any, Any, Any],
        data: Form,
        bus: NamedDependency[Bus],
        settings: NamedDependency[GatewaySettings],
    ) -> Redirect:
        """Approve or refuse an activation."""
        _require_operator(request, settings)
        approve = data.get("approve") == "true"
        reason = (data.get("reason") or "").strip()[:500] or None
        try:
            organisation = await bus.call(
                DecideActivation(
                    operator=_operator(request),
                    organisation_id=organisation_id,
                    approve=approve,
                    reason=reason,
                ),
                Organisation,
            )
        except Problem as problem:
            return _back(problem.problem_detail or problem.title)
        verdict = "approved: it is active" if approve else "refused"
        return _back(f"{organisation.name} {verdict}.")

    @post(
        "/read-models/{context:str}/{model:str}/rebuild",
        operation_id="opsRebuildForm",
        status_code=303,
    )
    async def rebuild(
        self,
        context: str,
        model: str,
        request: Request[Any, Any, Any],
        bus: NamedDependency[Bus],
        settings: NamedDependency[GatewaySettings],
    ) -> Redirect:
        """Start a rebuild."""
        _require_operator(request, settings)
        try:
            await start_rebuild(bus, settings, context, model)
        except Problem as problem:
            return _back(problem.problem_detail or problem.title)
        return _back(f"Rebuilding {context} {model}; this page shows when it is done.")


def _require_operator(request: Request[Any, Any, Any], settings: GatewaySettings) -> None:
    if not is_operator(request, settings):
        raise Problem(
            401,
            "urn:problem:unauthenticated",
            "Log in first",
            "Operator actions need the operator login (/ops) or the operator token.",
        )
    if not same_site(request):
        raise Problem(
            403,
            "urn:problem:forbidden",
            "You may not do this",
            "This form was sent from another site.",
        )


def _operator(request: Request[Any, Any, Any]) -> Operator:
    name = (request.headers.get("x-operator") or "operator").strip()[:100]
    return Operator(name=name or "operator")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
