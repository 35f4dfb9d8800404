"""A mail server that is down loses no mail: it is retried with backoff and goes out later."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from contracts.envelope import Envelope
from contracts.events.identity import EmailVerificationRequested
from devstack.ports import free_port
from notifications.bootstrap import bootstrap
from notifications.integration.inbound import apply_event
from notifications.settings import NotificationsSettings
from notifications.tables import outgoing_mails
from servicekit.sealing import new_private_key, public_key_of, seal
from sqlalchemy import select


class Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[object] = []

    def handle_message(self, message: object) -> None:
        self.messages.append(message)


async def test_mails_wait_for_the_smtp_server_and_go_out_once_it_is_back(tmp_path: Path) -> None:
    private_key = new_private_key()
    port = free_port()
    settings = NotificationsSettings(
        var_dir=tmp_path,
        notifications_private_key=private_key,
        smtp_url=f"smtp://127.0.0.1:{port}",
        smtp_timeout_seconds=2,
    )
    notifications = bootstrap(settings)
    event = EmailVerificationRequested(
        user_id=uuid.uuid4(),
        environment_id=uuid.uuid4(),
        email="ann@example.nl",
        full_name="Ann",
        language="en",
        sealed_token=seal(public_key_of(private_key), "the-token"),
        expires_at=datetime.now(UTC) + timedelta(hours=1),
    )
    envelope = Envelope.wrap(
        event,
        id=uuid.uuid4(),
        source="/services/identity",
        time=datetime.now(UTC),
        subject=event.user_id,
        sequence=2,
        correlation_id="c-9",
    )
    with notifications.database.transaction() as session:
        apply_event(session, envelope, event)

    # Nobody listens on the SMTP port: the mail is kept, marked for a retry.
    assert await notifications.dispatcher.send_due() == 0
    with notifications.database.transaction(commit=False) as session:
        row = session.execute(select(outgoing_mails)).one()
    assert row.status == "retrying" and row.attempts == 1 and row.last_error

    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        assert await notifications.dispatcher.send_due() == 0, "not before its backoff is over"
        time.sleep(1.1)
        assert await notifications.dispatcher.send_due() == 1
        assert await notifications.dispatcher.send_due() == 0, "sent once"
    finally:
        server.stop()
    assert len(inbox.messages) == 1
    with notifications.database.transaction(commit=False) as session:
        assert session.execute(select(outgoing_mails.c.status)).scalar_one() == "sent"
