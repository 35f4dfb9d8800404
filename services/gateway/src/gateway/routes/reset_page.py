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
from gateway.routes.pages import language_of, page
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
        if token:
            form = (
                f'<p>{text["choose"]}</p><form method="post">'
                f'<input type="hidden" name="token" value="{escape(token)}">'
                f'<label>{text["password"]} <input type="password" name="new_password" '
                'minlength="12" maxlength="128" autocomplete="new-password" required></label> '
                f'<button type="submit">{text["save"]}</button></form>'
            )
        else:
            form = (
                f'<p>{text["ask"]}</p><form method="post">'
                f'<label>{text["email"]} <input type="email" name="email" required></label> '
                f'<button type="submit">{text["send"]}</button></form>'
            )
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
                message = text["done"]
            else:
                email = data.get("email", "").strip()[:320]
                await bus.call(RequestPasswordReset(email=email), PasswordResetAccepted)
                message = text["sent"]
        except Problem as problem:
            return page(
                text["title"],
                language,
                f"<p>{escape(problem.problem_detail or problem.title)}</p>",
                problem.status_code,
            )
        return page(text["title"], language, f"<p>{escape(message)}</p>")
