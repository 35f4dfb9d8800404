"""An outbox row becomes an e-mail: rendered in the recipient's language, text and HTML parts,
the correlation id in a header, and a Message-ID that is the same on every attempt."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Any

from servicekit.logs import CORRELATION_HEADER
from servicekit.sealing import open_sealed

from notifications.domain.mail_kinds import (
    ACCOUNT_EXISTS,
    EMAIL_VERIFICATION,
    INVITATION,
    PASSWORD_RESET,
    PRODUCT_NEWS,
    SECURITY_KINDS,
)
from notifications.mail.rendering import (
    invitation_link,
    local_datetime,
    login_link,
    page_link,
    render,
    reset_link,
    verification_link,
)
from notifications.settings import NotificationsSettings

PREFERENCES_PAGE = "/me/email-preferences"


class MailComposer:
    """Writes the mail of one outbox row."""

    def __init__(self, settings: NotificationsSettings) -> None:
        self._settings = settings
        self._domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "localhost"

    def message_id(self, mail_id: str) -> str:
        """The Message-ID of a notification: a resent copy is recognisably the same mail."""
        return f"<{mail_id}@{self._domain}>"

    def compose(self, row: dict[str, Any]) -> EmailMessage:
        """The mail, ready for SMTP."""
        kind, language = row["kind"], row["language"]
        context = self._context(kind, language, dict(row["context"]))
        rendered = render(kind, language, context)
        message = EmailMessage()
        message["From"] = self._settings.mail_from
        message["To"] = row["recipient"]
        message["Subject"] = rendered.subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = self.message_id(row["mail_id"])
        if row["correlation_id"]:
            message[CORRELATION_HEADER] = row["correlation_id"]
        message["X-Notification-Id"] = row["mail_id"]
        message["X-Event-Id"] = row["event_id"]
        message["X-Notification-Kind"] = kind
        message["Auto-Submitted"] = "auto-generated"
        if kind not in SECURITY_KINDS:
            message["List-Unsubscribe"] = f"<{context['preferences_link']}>"
        # 8bit rather than quoted-printable, so the link reads in the raw message exactly as
        # it is (quoted-printable would turn `token=` into `token=3D`).
        message.set_content(rendered.text, cte="8bit")
        message.add_alternative(rendered.html, subtype="html", cte="8bit")
        # After the parts: setting the content drops every Content-* header set before.
        message["Content-Language"] = language
        return message

    def _context(self, kind: str, language: str, context: dict[str, Any]) -> dict[str, Any]:
        base = self._settings.public_base_url
        if "sealed_token" in context:
            # The only moment the token exists in clear: while this mail is being written.
            token = open_sealed(
                self._settings.notifications_private_key, context.pop("sealed_token")
            )
            link = verification_link if kind == EMAIL_VERIFICATION else reset_link
            if kind == INVITATION:
                link = invitation_link
            context["link"] = link(base, token)
        if "expires_at" in context:
            context["expires_at"] = local_datetime(
                datetime.fromisoformat(context["expires_at"]), language
            )
        if kind in (ACCOUNT_EXISTS, PASSWORD_RESET):
            context["login_link"] = login_link(base)
            context["forgot_password_link"] = reset_link(base)
        if kind not in SECURITY_KINDS:
            context["preferences_link"] = page_link(base, PREFERENCES_PAGE)
            if kind == PRODUCT_NEWS:
                context["link"] = context.get("news_link")
            elif "page" in context:
                context["link"] = page_link(base, context["page"])
        return context
