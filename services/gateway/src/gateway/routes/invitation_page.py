"""The page the invitation mail links to: who invites whom to what, then name and password
for a new account, or one button for an address that already has an account here.

It posts exactly what POST /api/v1/invitations/accept takes.
"""

from __future__ import annotations

from html import escape
from typing import Annotated, Any

from babel.lists import format_list
from contracts.commands.invitations import (
    AcceptInvitation,
    DescribeInvitation,
    InvitationAcceptedReply,
    InvitationDescription,
)
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from servicekit.sealing import seal
from servicekit.wording import local_moment, locale_of

from gateway.bus import Bus
from gateway.problems import Problem
from gateway.routes.pages import explained, language_of, page
from gateway.settings import GatewaySettings

TEXT = {
    "nl": {
        "title": "Uitnodiging accepteren",
        "missing": "Deze link is niet compleet. Open de link uit de uitnodiging opnieuw.",
        "invited": "{inviter} nodigt je uit als {role} van {organisations}, in de omgeving "
        "“{environment}”.",
        "for": "De uitnodiging is voor {email} en is geldig tot {expires}.",
        "member": "lid",
        "admin": "beheerder",
        "existing": "Je hebt hier al een account met dit adres. Accepteer, en je account krijgt "
        "toegang; je naam en wachtwoord blijven zoals ze zijn.",
        "join": "Uitnodiging accepteren",
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
        "invited": "{inviter} invites you as {role} of {organisations}, in the environment "
        "“{environment}”.",
        "for": "The invitation is for {email} and is valid until {expires}.",
        "member": "a member",
        "admin": "an admin",
        "existing": "You already have an account here with this address. Accept, and your "
        "account gets access; your name and password stay as they are.",
        "join": "Accept the invitation",
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
        self,
        request: Request[Any, Any, Any],
        bus: NamedDependency[Bus],
        token: FromQuery[str] = "",
    ) -> Response[str]:
        """Who invites whom to what, and the form that accepts it, carrying the token."""
        language = language_of(request)
        text = TEXT[language]
        if not token:
            return page(text["title"], language, f"<p>{text['missing']}</p>", 400)
        try:
            invitation = await bus.call(
                DescribeInvitation(token=token[:512]), InvitationDescription
            )
        except Problem as problem:  # invalid, used or expired; or an account elsewhere
            return page(text["title"], language, explained(problem, language), problem.status_code)
        return page(text["title"], language, _offer(text, language, invitation, token))

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
                token = data.get("token", "")
                said += (
                    _join_form(text, token)
                    if data.get("join")
                    else _new_account_form(text, token, data.get("full_name", ""))
                )
            return page(text["title"], language, said, problem.status_code)
        message = text["done"] if accepted.new_account else text["joined"]
        return page(
            text["title"],
            language,
            f'<p>{escape(message)}</p><p><a href="/login">{text["login"]}</a></p>',
        )


def _offer(
    text: dict[str, str], language: str, invitation: InvitationDescription, token: str
) -> str:
    """Who invites whom to what and until when, then the one thing to do."""
    names = [f"<strong>{escape(name)}</strong>" for name in invitation.organisation_names]
    organisations = format_list(names, locale=locale_of(language))
    invited = text["invited"].format(
        inviter=escape(invitation.inviter_name),
        role=text[invitation.role],
        organisations=organisations,
        environment=escape(invitation.environment_name),
    )
    valid = text["for"].format(
        email=f"<strong>{escape(invitation.email)}</strong>",
        expires=escape(local_moment(invitation.expires_at, language)),
    )
    intro = f"<p>{invited}</p><p>{valid}</p>"
    if invitation.existing_account:
        return intro + _join_form(text, token)
    return intro + _new_account_form(text, token)


def _join_form(text: dict[str, str], token: str) -> str:
    """An account with this address exists here: accepting only joins it."""
    return (
        f'<p>{text["existing"]}</p><form method="post">'
        f'<input type="hidden" name="token" value="{escape(token)}">'
        '<input type="hidden" name="join" value="1">'
        f'<button type="submit">{text["join"]}</button></form>'
    )


def _new_account_form(text: dict[str, str], token: str, full_name: str = "") -> str:
    return (
        f'<p>{text["choose"]}</p><form method="post">'
        f'<input type="hidden" name="token" value="{escape(token)}">'
        f'<p><label>{text["name"]} <input name="full_name" maxlength="200" '
        f'value="{escape(full_name[:200])}" autocomplete="name" required></label></p>'
        f'<p><label>{text["password"]} <input type="password" name="password" '
        'minlength="12" maxlength="128" autocomplete="new-password" required></label></p>'
        f'<button type="submit">{text["save"]}</button></form>'
    )
