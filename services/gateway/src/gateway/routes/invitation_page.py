"""The page the invitation mail links to: name and password for the new account.

It posts exactly what POST /api/v1/invitations/accept takes.
"""

from __future__ import annotations

from html import escape
from typing import Annotated, Any

from contracts.commands.invitations import AcceptInvitation, InvitationAcceptedReply
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from servicekit.sealing import seal

from gateway.bus import Bus
from gateway.problems import Problem
from gateway.routes.pages import explained, language_of, page
from gateway.settings import GatewaySettings

TEXT = {
    "nl": {
        "title": "Uitnodiging accepteren",
        "missing": "Deze link is niet compleet. Open de link uit de uitnodiging opnieuw.",
        "choose": "Vul je naam in en kies een wachtwoord: 12 tot 128 tekens en moeilijk te raden.",
        "name": "Volledige naam",
        "password": "Wachtwoord",
        "save": "Account maken",
        "done": "Welkom! Je kunt nu inloggen.",
        "joined": "Je bestaande account heeft nu toegang tot de organisaties. Log in.",
        "login": "Inloggen",
    },
    "en": {
        "title": "Accept the invitation",
        "missing": "This link is not complete. Open the link from the invitation again.",
        "choose": "Enter your name and choose a password: 12 to 128 characters, hard to guess.",
        "name": "Full name",
        "password": "Password",
        "save": "Create account",
        "done": "Welcome! You can log in now.",
        "joined": "Your existing account now has access to the organisations. Log in.",
        "login": "Log in",
    },
}


class InvitationPageController(Controller):
    """GET and POST /accept-invitation."""

    path = "/accept-invitation"
    include_in_schema = False

    @get("/", operation_id="acceptInvitationPage")
    async def show(
        self, request: Request[Any, Any, Any], token: FromQuery[str] = ""
    ) -> Response[str]:
        """The form for name and password, carrying the token from the link."""
        language = language_of(request)
        text = TEXT[language]
        if not token:
            return page(text["title"], language, f"<p>{text['missing']}</p>", 400)
        return page(text["title"], language, _form(text, token))

    @post("/", operation_id="acceptInvitationForm", status_code=200)
    async def submit(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
        bus: NamedDependency[Bus],
        settings: NamedDependency[GatewaySettings],
    ) -> Response[str]:
        """Accept the invitation; say in words what happened."""
        language = language_of(request)
        text = TEXT[language]
        try:
            accepted = await bus.call(
                AcceptInvitation(
                    token=data.get("token", "")[:512],
                    sealed_password=seal(
                        settings.identity_public_key, data.get("password", "")[:128]
                    ),
                    full_name=data.get("full_name", "").strip()[:200] or "-",
                ),
                InvitationAcceptedReply,
            )
        except Problem as problem:
            said = explained(problem, language)
            if problem.status_code not in (400, 409):  # the link still good: try again
                said += _form(text, data.get("token", ""), data.get("full_name", ""))
            return page(text["title"], language, said, problem.status_code)
        message = text["done"] if accepted.new_account else text["joined"]
        return page(
            text["title"],
            language,
            f'<p>{escape(message)}</p><p><a href="/login">{text["login"]}</a></p>',
        )


def _form(text: dict[str, str], token: str, full_name: str = "") -> str:
    return (
        f'<p>{text["choose"]}</p><form method="post">'
        f'<input type="hidden" name="token" value="{escape(token)}">'
        f'<p><label>{text["name"]} <input name="full_name" maxlength="200" '
        f'value="{escape(full_name[:200])}" autocomplete="name" required></label></p>'
        f'<p><label>{text["password"]} <input type="password" name="password" '
        'minlength="12" maxlength="128" autocomplete="new-password" required></label></p>'
        f'<button type="submit">{text["save"]}</button></form>'
    )
