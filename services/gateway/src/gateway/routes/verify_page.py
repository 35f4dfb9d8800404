"""The page the verification mail links to: one button that confirms the address.

The link itself changes nothing (mail scanners open links); the person's click on the button
posts the token, exactly like POST /api/v1/registrations/verify.
"""

from __future__ import annotations

from html import escape
from typing import Annotated, Any

from contracts.commands.identity import EmailVerifiedReply, VerifyEmail
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery

from gateway.bus import Bus
from gateway.problems import Problem
from gateway.routes.pages import explained, language_of, page

TEXT = {
    "nl": {
        "title": "E-mailadres bevestigen",
        "intro": "Klik op de knop om je e-mailadres te bevestigen.",
        "button": "Bevestigen",
        "done": "Je e-mailadres is bevestigd. Je kunt nu inloggen.",
        "login": "Inloggen",
        "signup": "Opnieuw aanmelden",
        "missing": "Deze link is onvolledig. Open de link uit de e-mail opnieuw.",
    },
    "en": {
        "title": "Confirm e-mail address",
        "intro": "Press the button to confirm your e-mail address.",
        "button": "Confirm",
        "done": "Your e-mail address is confirmed. You can log in now.",
        "login": "Log in",
        "signup": "Sign up again",
        "missing": "This link is incomplete. Open the link from the e-mail again.",
    },
}


def _page(language: str, body: str, status: int = 200) -> Response[str]:
    return page(TEXT[language]["title"], language, body, status)


class VerifyPageController(Controller):
    """GET and POST /verify-email."""

    path = "/verify-email"
    include_in_schema = False

    @get("/", operation_id="verifyEmailPage")
    async def show(
        self, request: Request[Any, Any, Any], token: FromQuery[str] = ""
    ) -> Response[str]:
        """The confirm button, carrying the token from the link."""
        language = language_of(request)
        text = TEXT[language]
        if not token:
            return _page(language, f"<p>{text['missing']}</p>", 400)
        form = (
            f'<p>{text["intro"]}</p><form method="post">'
            f'<input type="hidden" name="token" value="{escape(token)}">'
            f'<button type="submit">{text["button"]}</button></form>'
        )
        return _page(language, form)

    @post("/", operation_id="verifyEmailForm", status_code=200)
    async def confirm(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
        bus: NamedDependency[Bus],
    ) -> Response[str]:
        """Verify, and say in words what happened."""
        language = language_of(request)
        text = TEXT[language]
        try:
            await bus.call(VerifyEmail(token=data.get("token", "")[:512]), EmailVerifiedReply)
        except Problem as problem:
            # A used link mostly means the address is confirmed already: log in; or sign up
            # again for a new link.
            onward = (
                f'<p><a href="/login">{text["login"]}</a> · '
                f'<a href="/signup">{text["signup"]}</a></p>'
            )
            return _page(language, explained(problem, language) + onward, problem.status_code)
        return _page(language, f'<p>{text["done"]}</p><p><a href="/login">{text["login"]}</a></p>')
