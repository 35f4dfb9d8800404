"""Sign up, log in (with the "receive e-invoices too?" prompt), log out, the overview."""

from __future__ import annotations

import asyncio
from typing import Annotated
from urllib.parse import urlsplit
from uuid import UUID

from contracts.commands.caller import Caller
from contracts.commands.my_account import SetReceivingPrompt
from contracts.commands.organisations import Organisation, SetReceiving
from litestar import Controller, Litestar, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import MethodNotAllowedException, NotFoundException
from litestar.params import Body, FromQuery
from litestar.response import Redirect
from pydantic import ValidationError

from gateway.problems import Problem
from gateway.routes.organisations import organisation_admin, visible_organisations
from gateway.routes.registrations import RegistrationRequest, register_user
from gateway.routes.sessions import LoginRequest, end_session, start_session
from gateway.web.explain import explain, explain_form
from gateway.web.visit import Visit
from gateway.web.words import LANGUAGES

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


class SessionPages(Controller):
    """/, /signup, /login, /welcome, /logout, /language."""

    path = "/"

    @get("/", name="web:home")
    async def home(self, visit: NamedDependency[Visit]) -> Response[str]:
        """The overview: the signed-in user's organisations; the login page for others."""
        if visit.caller is None:
            return visit.page("login.html", email="", problem=None, next="/")
        profile = await visit.profile()
        organisations = await visible_organisations(visit.signed_in(), visit.bus)
        return visit.page("home.html", profile=profile, organisations=organisations.organisations)

    @get("/signup")
    async def signup_page(self, visit: NamedDependency[Visit]) -> Response[str]:
        """The sign-up form."""
        return visit.page("signup.html", form={}, problem=None)

    @post("/signup", status_code=200)
    async def signup(self, visit: NamedDependency[Visit], data: Form) -> Response[str]:
        """Sign up like POST /api/v1/registrations; the same answer whether or not it is known."""
        visit.check_csrf(data)
        fields = {
            "full_name": data.get("full_name", ""),
            "email": data.get("email", ""),
            "password": data.get("password", ""),
            "environment_name": data.get("environment_name") or None,
            "language": data.get("language") if data.get("language") in LANGUAGES else "nl",
        }
        try:
            await register_user(RegistrationRequest(**fields), visit.bus, visit.settings)
        except ValidationError as error:
            problem = explain_form(error, visit.language)
            return visit.page("signup.html", 422, form=fields, problem=problem)
        except Problem as refusal:
            problem = explain(refusal, visit.language)
            return visit.page("signup.html", problem.status, form=fields, problem=problem)
        visit.choose_language(str(fields["language"]))
        return visit.page(
            "message.html",
            heading=visit.say("signup.sent.title"),
            lines=[visit.say("signup.sent")],
            link=("/login", visit.say("nav.login")),
            problem=None,
        )

    @get("/login")
    async def login_page(
        self, visit: NamedDependency[Visit], next: FromQuery[str] = "/"
    ) -> Response[str]:
        """The login form; `next` is the page to go to after it."""
        return visit.page("login.html", email="", problem=None, next=_on_this_site(next))

    @post("/login", status_code=200)
    async def login(self, visit: NamedDependency[Visit], data: Form) -> Response[str] | Redirect:
        """Log in like POST /api/v1/sessions; ask about receiving when identity says so."""
        visit.check_csrf(data)
        email = data.get("email", "").strip()
        after = _on_this_site(data.get("next", "/"))
        try:
            credentials = LoginRequest(email=email, password=data.get("password", ""))
            started = await start_session(
                visit.request, credentials, visit.bus, visit.settings, visit.authentication
            )
        except ValidationError as error:
            problem = explain_form(error, visit.language)
            return visit.page("login.html", 422, email=email, problem=problem, next=after)
        except Problem as refusal:
            problem = explain(refusal, visit.language)
            return visit.page(
                "login.html", problem.status, email=email, problem=problem, next=after
            )
        visit.start_session(started, started.user.language)
        if started.receiving_prompt.show and after == "/":
            return visit.redirect("/welcome")
        return visit.redirect(after)

    @get("/welcome")
    async def welcome_page(self, visit: NamedDependency[Visit]) -> Response[str] | Redirect:
        """The receiving prompt: each organisation that does not receive yet, off by default."""
        caller = visit.signed_in()
        organisations = _asked_about((await visible_organisations(caller, visit.bus)).organisations)
        return visit.page(
            "welcome.html",
            organisations=organisations,
            switchable=await _switchable(caller, organisations, visit),
            problem=None,
        )

    @post("/welcome", status_code=200)
    async def welcome(self, visit: NamedDependency[Visit], data: Form) -> Response[str] | Redirect:
        """Switch receiving on where ticked; "don't ask again" switches the prompt off."""
        visit.check_csrf(data)
        caller = visit.signed_in()
        organisations = _asked_about((await visible_organisations(caller, visit.bus)).organisations)
        switchable = await _switchable(caller, organisations, visit)
        try:
            for organisation in organisations:
                if data.get(f"receive-{organisation.id}") == "on":
                    # The same check as PUT .../receiving: only the organisation's admins.
                    admin = await organisation_admin(organisation.id, caller, visit.bus)
                    await visit.bus.call(
                        SetReceiving(caller=admin, organisation_id=organisation.id, enabled=True),
                        Organisation,
                    )
            if data.get("dont_ask") == "on":
                await visit.profiles.change(
                    caller, SetReceivingPrompt(caller=caller, enabled=False)
                )
        except Problem as refusal:
            problem = explain(refusal, visit.language)
            return visit.page(
                "welcome.html",
                problem.status,
                organisations=organisations,
                switchable=switchable,
                problem=problem,
            )
        return visit.redirect("/")

    @post("/logout", status_code=200)
    async def logout(self, visit: NamedDependency[Visit], data: Form) -> Redirect:
        """Log out like DELETE /api/v1/sessions/current, and forget the cookies."""
        visit.check_csrf(data)
        if visit.caller is not None:
            try:
                await end_session(visit.caller, visit.bus, visit.authentication)
            except Problem as problem:
                if problem.status_code >= 500:
                    raise
        visit.end_session()
        return visit.redirect("/login?done=logout.done")

    @get("/language")
    async def language(
        self, visit: NamedDependency[Visit], to: FromQuery[str] = "nl", next: FromQuery[str] = "/"
    ) -> Redirect:
        """Switch the pages' language and go back where the visitor was."""
        visit.choose_language(to if to in LANGUAGES else "nl")
        return visit.redirect(_a_page(visit.request.app, _on_this_site(next)))


def _on_this_site(target: str) -> str:
    """A path of this site, or "/": never an open redirect (browsers read "/\\x" as "//x")."""
    parts = urlsplit(target)
    path = parts.path
    if parts.scheme or parts.netloc or not path.startswith("/") or path.startswith("//"):
        return "/"
    return "/" if "\\" in path or any(ord(c) < 32 for c in path) else path


def _a_page(app: Litestar, path: str) -> str:
    """`path`, or the nearest page above it. A form answered with a page (its errors) leaves
    the browser at the form's POST-only address (…/identifiers): going back there asks it with
    GET, which would be a 405."""
    while path != "/":
        try:
            app.asgi_router.handle_routing(path, "GET")
            return path
        except (NotFoundException, MethodNotAllowedException):
            path = path.rstrip("/").rsplit("/", 1)[0] or "/"
    return "/"


async def _switchable(caller: Caller, organisations: list[Organisation], visit: Visit) -> set[UUID]:
    """The organisations the caller may switch receiving on for (their admins): a member is
    told whom to ask instead of being offered a box that can only be refused."""
    if caller.role == "admin":
        return {organisation.id for organisation in organisations}

    async def may_switch(organisation_id: UUID) -> bool:
        try:
            await organisation_admin(organisation_id, caller, visit.bus)
        except Problem:
            # Not an admin (403), or not known to identity yet: no box to tick, in any case.
            return False
        return True

    asked = [organisation.id for organisation in organisations]
    answers = await asyncio.gather(*(may_switch(organisation_id) for organisation_id in asked))
    return {organisation_id for organisation_id, ok in zip(asked, answers, strict=True) if ok}


def _asked_about(organisations: list[Organisation]) -> list[Organisation]:
    return [organisation for organisation in organisations if not organisation.receiving_enabled]


__all__ = ["Form", "SessionPages"]
