"""The SMTP server (SMTP_URL) and what its answers mean for a mail: try again, or never."""

from __future__ import annotations

import contextlib
from urllib.parse import unquote, urlsplit

import aiosmtplib

from notifications.settings import NotificationsSettings


class SmtpServer:
    """Opens connections to the configured server; says whether it answers."""

    def __init__(self, settings: NotificationsSettings) -> None:
        url = urlsplit(settings.smtp_url)
        self.host = url.hostname or "127.0.0.1"
        self.port = url.port or (465 if url.scheme == "smtps" else 25)
        self._user = unquote(url.username) if url.username else None
        self._password = unquote(url.password) if url.password else None
        self._tls = url.scheme == "smtps"
        self._timeout = settings.smtp_timeout_seconds

    async def connect(self) -> aiosmtplib.SMTP:
        """A connection, greeted and logged in; raises when the server cannot be used."""
        smtp = aiosmtplib.SMTP(
            hostname=self.host, port=self.port, use_tls=self._tls, timeout=self._timeout
        )
        await smtp.connect()
        if self._user and self._password:
            await smtp.login(self._user, self._password)
        return smtp

    async def answers(self) -> bool:
        """Whether the server takes connections again (no mail is sent)."""
        try:
            smtp = await self.connect()
        except Exception:
            return False
        await close(smtp)
        return True


async def transfer(smtp: aiosmtplib.SMTP, sender: str, recipient: str, data: bytes) -> None:
    """One mail's SMTP transaction: MAIL FROM (with its SIZE when the server takes one), RCPT
    TO, DATA; the envelope is reset when the server refuses a step, so the connection can carry
    the next mail.

    What aiosmtplib's `sendmail` does for one recipient, without what it does again because it
    serves any caller: it parsed each address twice and rewrote the message's line endings
    twice (once to count its size), a few percent of this service's CPU per mail. Our messages
    have CRLF line endings throughout (`compose` writes them so), so their size is their length.
    """
    options = [f"size={len(data)}"] if smtp.supports_extension("size") else []
    try:
        await smtp.mail(sender, options=options)
        await smtp.rcpt(recipient)
        await smtp.data(data)
    except aiosmtplib.SMTPResponseException:
        with contextlib.suppress(ConnectionError, aiosmtplib.SMTPResponseException):
            await smtp.rset()
        raise


async def close(smtp: aiosmtplib.SMTP | None) -> None:
    """Say goodbye if we can; a broken connection is simply dropped."""
    if smtp is not None and smtp.is_connected:
        try:
            await smtp.quit()
        except Exception:
            with contextlib.suppress(Exception):
                smtp.close()


def refused_for_good(error: Exception) -> bool:
    """True when the server refused this mail with a permanent (5xx) answer about the mail
    itself: its recipient or its content. A refused sender address, a failed login or an
    unreachable server concern every mail and may be fixed: those are retried."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return all(refusal.code >= 500 for refusal in error.recipients)
    if isinstance(error, aiosmtplib.SMTPRecipientRefused | aiosmtplib.SMTPDataError):
        return error.code >= 500
    return False


def describe(error: Exception) -> str:
    """The server's answer (or the network's), for the audit and the dead-letter reason."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return "; ".join(describe(refusal) for refusal in error.recipients)
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return f"SMTP {error.code}: {error.message}"
    return f"{type(error).__name__}: {error}"
