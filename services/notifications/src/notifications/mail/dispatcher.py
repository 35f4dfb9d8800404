"""Sends the mail outbox over SMTP, retrying with backoff until the server takes each mail.

Exactly once, and where that cannot be promised: a mail row exists once per (event, recipient)
because its primary key is derived from both, and the consumer writes it in the same transaction
as the event's tracking record. Sending is the one step no transaction can cover: if the process
dies after the SMTP server accepted a mail but before the row is marked sent, the mail goes out
again after restart (at-least-once rather than risk losing a security mail). That window is a
few milliseconds, and a resent mail carries the same Message-ID, so mail clients and the next
hop can recognise the copy.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any
from urllib.parse import urlsplit

import aiosmtplib
import structlog
from servicekit.database import Database
from servicekit.executor import StoreExecutor
from servicekit.logs import CORRELATION_HEADER, correlation_scope
from servicekit.sealing import open_sealed
from sqlalchemy import select, update

from notifications.integration.inbound import ACCOUNT_EXISTS, EMAIL_VERIFICATION, PASSWORD_RESET
from notifications.integration.invitations import INVITATION
from notifications.mail.rendering import (
    invitation_link,
    local_datetime,
    login_link,
    render,
    reset_link,
    verification_link,
)
from notifications.settings import NotificationsSettings
from notifications.tables import outgoing_mails

log = structlog.get_logger(__name__)

RETRY_DELAYS = (1, 5, 15, 60, 300)


class MailDispatcher:
    """Sends due mails from the outbox; wakes when the consumer queues new ones."""

    def __init__(
        self, settings: NotificationsSettings, database: Database, executor: StoreExecutor
    ) -> None:
        self._settings = settings
        self._db = database
        self._executor = executor
        self._wakeup = asyncio.Event()
        self._stopping = False
        smtp = urlsplit(settings.smtp_url)
        self._smtp_host = smtp.hostname or "127.0.0.1"
        self._smtp_port = smtp.port or 25
        self._smtp_user = smtp.username
        self._smtp_password = smtp.password
        self._smtp_tls = smtp.scheme == "smtps"

    def wake(self) -> None:
        """New mails may be waiting."""
        self._wakeup.set()

    def stop(self) -> None:
        """Finish the mail in hand, then return from `run`."""
        self._stopping = True
        self._wakeup.set()

    async def run(self) -> None:
        """Send until stopped."""
        while not self._stopping:
            try:
                sent = await self.send_due()
            except Exception as error:
                log.warning("mail pass failed; will retry", error=repr(error))
                sent = 0
            if sent:
                continue
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=1.0)

    async def send_due(self) -> int:
        """Send every mail whose time has come; return how many went out."""
        rows = await self._executor.run_alone(self._due_mails)
        sent = 0
        # One SMTP connection for the whole pass: connecting and greeting cost more than a mail.
        smtp: aiosmtplib.SMTP | None = None
        for row in rows:
            if self._stopping:
                break
            with correlation_scope(row["correlation_id"]):
                try:
                    smtp = smtp if smtp is not None and smtp.is_connected else await self._connect()
                    await smtp.send_message(self._compose(row))
                except Exception as error:
                    await _close(smtp)
                    smtp = None
                    await self._executor.run(self._record_failure, row, repr(error))
                    log.warning(
                        "mail not sent; will retry", mail_id=row["mail_id"], error=repr(error)
                    )
                    continue
                await self._executor.run(self._record_sent, row["mail_id"])
                sent += 1
                log.info("mail sent", mail_id=row["mail_id"], kind=row["kind"])
        await _close(smtp)
        return sent

    def _due_mails(self) -> list[dict[str, Any]]:
        with self._db.transaction(commit=False) as session:
            result = session.execute(
                select(outgoing_mails)
                .where(
                    outgoing_mails.c.status.in_(("pending", "retrying")),
                    outgoing_mails.c.next_attempt_at <= datetime.now(UTC),
                )
                .order_by(outgoing_mails.c.created_at)
                .limit(100)
            )
            return [dict(row._mapping) for row in result]

    def _record_sent(self, mail_id: str) -> None:
        with self._db.transaction() as session:
            session.execute(
                update(outgoing_mails)
                .where(outgoing_mails.c.mail_id == mail_id)
                .values(status="sent", sent_at=datetime.now(UTC), last_error=None)
            )

    def _record_failure(self, row: dict[str, Any], error: str) -> None:
        attempts = int(row["attempts"]) + 1
        delay = RETRY_DELAYS[min(attempts - 1, len(RETRY_DELAYS) - 1)]
        with self._db.transaction() as session:
            session.execute(
                update(outgoing_mails)
                .where(outgoing_mails.c.mail_id == row["mail_id"])
                .values(
                    status="retrying",
                    attempts=attempts,
                    last_error=error[:2000],
                    next_attempt_at=datetime.now(UTC) + timedelta(seconds=delay),
                )
            )

    async def _connect(self) -> aiosmtplib.SMTP:
        smtp = aiosmtplib.SMTP(
            hostname=self._smtp_host,
            port=self._smtp_port,
            use_tls=self._smtp_tls,
            timeout=self._settings.smtp_timeout_seconds,
        )
        await smtp.connect()
        if self._smtp_user and self._smtp_password:
            await smtp.login(self._smtp_user, self._smtp_password)
        return smtp

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
        return context

    def _compose(self, row: dict[str, Any]) -> EmailMessage:
        context = self._context(row["kind"], row["language"], dict(row["context"]))
        language = row["language"]
        rendered = render(row["kind"], language, context)
        message = EmailMessage()
        message["From"] = self._settings.mail_from
        message["To"] = row["recipient"]
        message["Subject"] = rendered.subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = f"<{row['mail_id']}@einvoice.localhost>"
        message["Content-Language"] = language
        if row["correlation_id"]:
            message[CORRELATION_HEADER] = row["correlation_id"]
        message["Auto-Submitted"] = "auto-generated"
        # 8bit rather than quoted-printable, so the link reads in the raw message exactly as
        # it is (quoted-printable would turn `token=` into `token=3D`).
        message.set_content(rendered.text, cte="8bit")
        message.add_alternative(rendered.html, subtype="html", cte="8bit")
        return message


async def _close(smtp: aiosmtplib.SMTP | None) -> None:
    """Say goodbye if we can; a broken connection is simply dropped."""
    if smtp is not None and smtp.is_connected:
        try:
            await smtp.quit()
        except Exception:
            smtp.close()
