"""SMTP sink: stores every received message as one .eml file in a folder."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email.policy
import os
import re
import signal
import tempfile
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from pathlib import Path
from typing import Any

import structlog
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session

from devstack.logs import configure_logging

log = structlog.get_logger("devstack.smtp_sink")
_UNSAFE = re.compile(r"[^A-Za-z0-9._+=-]+")


def _file_stem(headers: Message) -> str:
    message_id = _UNSAFE.sub("_", str(headers.get("Message-ID", "")).strip("<> \t\r\n"))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    return f"{stamp}-{message_id[:120].strip('_') or uuid.uuid4().hex}"


def _with_envelope_headers(
    raw: bytes, headers: Message, mail_from: str, rcpt_tos: list[str]
) -> bytes:
    extra = b""
    if headers.get("X-Sink-Mail-From") is None:
        extra += f"X-Sink-Mail-From: {mail_from}\r\n".encode()
    if headers.get("X-Sink-Rcpt-To") is None:
        extra += f"X-Sink-Rcpt-To: {', '.join(rcpt_tos)}\r\n".encode()
    return extra + raw


def store_message(maildir: Path, raw: bytes, mail_from: str, rcpt_tos: list[str]) -> Path:
    """Write one message atomically as <UTC timestamp>-<Message-ID>.eml; return its path."""
    maildir.mkdir(parents=True, exist_ok=True)
    headers = BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
    stem = _file_stem(headers)
    target = maildir / f"{stem}.eml"
    counter = 1
    # Never overwrite: the sink is the honest record, duplicates included.
    while target.exists():
        target = maildir / f"{stem}-{counter}.eml"
        counter += 1
    # Readers glob *.eml, so the dot-prefixed temp file is never seen half-written.
    fd, tmp = tempfile.mkstemp(dir=maildir, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(_with_envelope_headers(raw, headers, mail_from, rcpt_tos))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return target


def read_mails(maildir: Path | str) -> list[EmailMessage]:
    """Parse every .eml in `maildir`, ordered by file name (arrival order)."""
    parser = BytesParser(policy=email.policy.default)
    paths = sorted(Path(maildir).glob("*.eml"))
    return [parser.parsebytes(path.read_bytes()) for path in paths]


class MaildirHandler:
    """aiosmtpd handler writing each message to the mail folder."""

    def __init__(self, maildir: Path) -> None:
        self.maildir = maildir

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Store the message and accept it."""
        raw = envelope.original_content or b""
        mail_from = str(envelope.mail_from or "")
        rcpt_tos = [str(r) for r in envelope.rcpt_tos]
        path = store_message(self.maildir, raw, mail_from, rcpt_tos)
        log.info("mail_stored", file=path.name, mail_from=mail_from, rcpt_to=rcpt_tos)
        return "250 Message accepted for delivery"


def _accept_any_login(*_args: Any) -> AuthResult:
    # Services configured with credentials should still be able to send here.
    return AuthResult(success=True)


async def serve(host: str, port: int, maildir: Path) -> None:
    """Run the sink until SIGTERM or SIGINT."""
    loop = asyncio.get_running_loop()
    handler = MaildirHandler(maildir)
    server = await loop.create_server(
        lambda: SMTP(
            handler,
            hostname="devstack-smtp-sink",
            enable_SMTPUTF8=True,
            authenticator=_accept_any_login,
            auth_require_tls=False,
            loop=loop,
        ),
        host,
        port,
    )
    stopped = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopped.set)
    log.info("smtp_sink_listening", host=host, port=port, maildir=str(maildir))
    async with server:
        await stopped.wait()
    log.info("smtp_sink_stopped")


def main(argv: list[str] | None = None) -> None:
    """Command line entry: python -m devstack.smtp_sink --host H --port P --maildir DIR."""
    parser = argparse.ArgumentParser(prog="python -m devstack.smtp_sink")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--maildir", type=Path, required=True)
    args = parser.parse_args(argv)
    configure_logging()
    asyncio.run(serve(args.host, args.port, args.maildir.absolute()))


if __name__ == "__main__":
    main()
