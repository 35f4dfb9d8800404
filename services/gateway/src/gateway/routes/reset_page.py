"""The page the reset mail links to: a form for the new password (or, without a token, for
the address to send a reset link to). It posts exactly what the JSON API takes.
"""

from __future__ import annotations

from html import escape
from typing import Annotated, Any

from contracts.commands.password_reset import (
    ConfirmPasswordReset,
    PasswordResetAccepted,
    PasswordResetConfirmed,
    RequestPasswordReset,
)
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from servicekit.sealing import seal

from gateway.auth import Authentication
from gateway.bus import Bus
from gateway.problems import Problem
from gateway.routes.pages import explained, language_of, page
from gateway.routes.password_resets import MAX_EMAIL_LENGTH
from gateway.settings import GatewaySettings

TEXT = {
    "nl": {
        "title": "Nieuw wachtwoord",
        "ask": "Vul je e-mailadres in. Heeft het een account, dan sturen we je een link.",
        "email": "E-mailadres",
        "send": "Stuur link",
        "sent": "Heeft dit adres een account, dan is er een e-mail met een link onderweg.",
        "choose": "Kies een nieuw wachtwoord: 12 tot 128 tekens en moeilijk te raden.",
        "password": "Nieuw wachtwoord",
        "save": "Opslaan",
        "done": "Je wachtwoord is gewijzigd en je bent overal uitgelogd. Log opnieuw in.",
        "login": "Inloggen",
        "again": "Vraag een nieuwe link aan",
    },
    "en": {
        "title": "New password",
        "ask": "Enter your e-mail address. If it has an account, we will send you a link.",
        "email": "E-mail address",
        "send": "Send link",
        "sent": "If this address has an account, a mail with a link is on its way.",
        "choose": "Choose a new password: 12 to 128 characters and hard to guess.",
        "password": "New password",
        "save": "Save",
        "done": "Your password is changed and you are logged out everywhere. Log in again.",
        "login": "Log in",
        "again": "Ask for a new link",
    },
}


class ResetPageController(Controller):
    """GET and POST /reset-password."""

    path = "/reset-password"
    include_in_schema = False

    @get("/", operation_id="resetPasswordPage")
    async def show(
        self, request: Request[Any, Any, Any], token: FromQuery[str] = ""
    ) -> Response[str]:
        """With a token: the new-password form; without: the form asking for a link."""
        language = language_of(request)
        text = TEXT[language]
        form = _password_form(text, token) if token else _address_form(text)
        return page(text["title"], language, form)

    @post("/", operation_id="resetPasswordForm", status_code=200)
    async def submit(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
        bus: NamedDependency[Bus],
        settings: NamedDependency[GatewaySettings],
        authentication: NamedDependency[Authentication],
    ) -> Response[str]:
        """Ask for a link, or set the new password; say in words what happened."""
        language = language_of(request)
        text = TEXT[language]
        try:
            if "token" in data:
                confirmed = await bus.call(
                    ConfirmPasswordReset(
                        token=data["token"][:512],
                        sealed_new_password=seal(
                            settings.identity_public_key, data.get("new_password", "")[:128]
                        ),
                    ),
                    PasswordResetConfirmed,
                )
                for session_id in confirmed.revoked_session_ids:
                    authentication.revoked.add(str(session_id))
                done = f'<p>{escape(text["done"])}</p><p><a href="/login">{text["login"]}</a></p>'
            else:
                email = data.get("email", "").strip()[:MAX_EMAIL_LENGTH]
                await bus.call(RequestPasswordReset(email=email), PasswordResetAccepted)
                done = f"<p>{escape(text['sent'])}</p>"
        except Problem as problem:
            said = explained(problem, language)
            if "token" not in data:
                again = _address_form(text, data.get("email", ""))
            elif problem.status_code == 400:  # the link itself is bad: only a new one helps
                again = f'<p><a href="/reset-password">{text["again"]}</a></p>'
            else:  # a password the rules refuse: the form again, the link still good
                again = _password_form(text, data["token"])
            return page(text["title"], language, said + again, problem.status_code)
        return page(text["title"], language, done)


def _password_form(text: dict[str, str], token: str) -> str:
    return (
        f'<p>{text["choose"]}</p><form method="post">'
        f'<input type="hidden" name="token" value="{escape(token)}">'
        f'<label>{text["password"]} <input type="password" name="new_password" '
        'minlength="12" maxlength="128" autocomplete="new-password" required></label> '
        f'<button type="submit">{text["save"]}</button></form>'
    )


def _address_form(text: dict[str, str], email: str = "") -> str:
    return (
        f'<p>{text["ask"]}</p><form method="post">'
        f'<label>{text["email"]} <input type="email" name="email" value="{escape(email)}" '
        f'required></label> <button type="submit">{text["send"]}</button></form>'
    )
