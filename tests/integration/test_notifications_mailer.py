"""The mailer against a real SMTP server: nothing lost while it is down, nothing sent twice
while it is up, and every mail it gives up on goes to operators with the reason."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

import nats
import pytest
from aiosmtpd.controller import Controller
from contracts.envelope import Envelope
from contracts.events.base import IntegrationEvent
from contracts.events.identity import EmailVerificationRequested
from devstack.nats import NatsServerProcess
from devstack.ports import free_port
from notifications.bootstrap import Notifications, bootstrap
from notifications.integration.outbound import to_envelope
from notifications.mail.dispatcher import MailDispatcher
from notifications.settings import NotificationsSettings
from notifications.tables import notification_audit, outgoing_mails
from servicekit.sealing import new_private_key, public_key_of, seal
from servicekit.streams import declare_streams
from sqlalchemy import select


class Inbox:
    """An SMTP server that keeps what it accepts and refuses one address for good."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"

    def message_ids(self) -> list[str]:
        return [str(message_from_bytes(m)["Message-ID"]) for m in self.messages]


class Clock:
    """Time the test moves forward itself."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(tmp_path: Path, port: int, clock: Clock, database_url: str) -> Notifications:
    settings = NotificationsSettings(
        var_dir=tmp_path,
        notifications_database_url=database_url,
        notifications_private_key=new_private_key(),
        smtp_url=f"smtp://127.0.0.1:{port}",
        smtp_timeout_seconds=2,
        mail_retry_delays="1,5",
        mail_held_retry_seconds=600,
    )
    return bootstrap(settings, clock=clock)


@pytest.fixture
def inbox(port: int) -> Iterator[Inbox]:
    handler = Inbox()
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    try:
        yield handler
    finally:
        server.stop()


def verification(service: Notifications, email: str = "ann@example.nl") -> Envelope:
    """An EmailVerificationRequested, decided into the outbox as the consumer would."""
    key = public_key_of(service.settings.notifications_private_key)
    event: IntegrationEvent = EmailVerificationRequested(
        user_id=uuid.uuid4(),
        environment_id=uuid.uuid4(),
        email=email,
        full_name="Ann",
        language="en",
        sealed_token=seal(key, "the-token"),
        expires_at=datetime.now(UTC) + timedelta(hours=1),
    )
    envelope = Envelope.wrap(
        event,
        id=uuid.uuid4(),
        source="/services/identity",
        time=datetime.now(UTC),
        subject=None,
        sequence=2,
        correlation_id="c-9",
    )
    with service.database.transaction() as session:
        service.inbound.apply(session, envelope, event)
    return envelope


def row(service: Notifications) -> Any:
    with service.database.transaction(commit=False) as session:
        return session.execute(select(outgoing_mails)).one()


def audit(service: Notifications) -> list[tuple[str, bool | None]]:
    with service.database.transaction(commit=False) as session:
        rows = session.execute(
            select(notification_audit.c.outcome, notification_audit.c.permanent).order_by(
                notification_audit.c.at
            )
        ).all()
    return [(r.outcome, r.permanent) for r in rows]


def published(service: Notifications) -> list[Envelope]:
    found = []
    for notification in service.app.recorder.select_notifications(1, 1000):
        envelope = to_envelope(service.app.mapper.to_domain_event(notification))
        if envelope is not None:
            found.append(envelope)
    return found


async def test_mails_wait_for_the_smtp_server_and_go_out_once_it_is_back(
    service: Notifications, port: int, clock: Clock
) -> None:
    verification(service)
    # Nobody listens on the SMTP port: the mail is kept, marked for a retry.
    assert await service.dispatcher.send_due() == 0
    waiting = row(service)
    assert waiting.status == "retrying" and waiting.attempts == 1
    assert "unreachable" in waiting.last_error

    handler = Inbox()
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    try:
        assert await service.dispatcher.send_due() == 0, "not before its backoff is over"
        clock.advance(1.1)
        assert await service.dispatcher.send_due() == 1
        clock.advance(3600)
        assert await service.dispatcher.send_due() == 0, "sent once"
    finally:
        server.stop()
    assert len(handler.messages) == 1
    assert "token=the-token" in handler.messages[0].decode()
    assert row(service).status == "sent"
    [sent] = published(service)
    assert sent.type == "NotificationSent" and sent.correlationid == "c-9"
    assert sent.data["message_id"] == handler.message_ids()[0]


async def test_after_the_last_retry_a_mail_is_dead_lettered_held_and_sent_when_the_server_is_back(
    service: Notifications, port: int, clock: Clock
) -> None:
    verification(service)
    for wait in (0, 1.1, 5.1):  # the first try and both retries
        clock.advance(wait)
        assert await service.dispatcher.send_due() == 0
    held = row(service)
    assert held.status == "held" and held.attempts == 3 and held.dead_letter_pending
    assert audit(service) == [("failed", False)]
    assert [e.type for e in published(service)] == ["NotificationFailed"]
    assert not await service.dispatcher.probe(), "still down"

    handler = Inbox()
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    try:
        # Held mails are tried every ten minutes here; a probe that finds the server back
        # makes them due at once.
        assert await service.dispatcher.send_due() == 0
        assert await service.dispatcher.probe()
        assert await service.dispatcher.send_due() == 1
    finally:
        server.stop()
    assert len(handler.messages) == 1
    assert row(service).status == "sent"
    assert audit(service) == [("failed", False), ("sent", None)]
    assert [e.type for e in published(service)] == ["NotificationFailed", "NotificationSent"]


async def test_a_mail_refused_for_good_is_not_tried_again(
    service: Notifications, inbox: Inbox, clock: Clock
) -> None:
    verification(service, "nobody@example.nl")
    assert await service.dispatcher.send_due() == 0
    refused = row(service)
    assert refused.status == "failed" and refused.attempts == 1
    assert "550" in refused.last_error
    clock.advance(3600)
    assert await service.dispatcher.send_due() == 0
    assert inbox.messages == []
    assert audit(service) == [("failed", True)]
    [failed] = published(service)
    assert failed.type == "NotificationFailed" and failed.data["permanent"] is True


async def test_a_sender_that_died_after_the_server_took_the_mail_resends_it_with_the_same_message_id(
    service: Notifications, inbox: Inbox, clock: Clock
) -> None:
    """The one window left (see notifications.mail.dispatcher): between the server's 250 and
    our commit. The copy is recognisably the same mail."""
    verification(service)
    mail = dict(row(service)._mapping)
    dispatcher = service.dispatcher
    assert await service.executor.run(dispatcher.outbox.claim, [mail["mail_id"]]) == {
        mail["mail_id"]
    }
    smtp = await dispatcher._server.connect()
    composed = dispatcher.composer.compose(mail)
    await smtp.sendmail(composed.sender, [composed.recipient], composed.data)
    await smtp.quit()
    # ... and here the process died: the row stays `sending`, owned by nobody alive.
    assert await dispatcher.send_due() == 0, "not while the lease lasts"
    clock.advance(service.settings.lease_seconds + 1)
    assert await dispatcher.send_due() == 1
    first, second = inbox.message_ids()
    assert first == second
    assert row(service).status == "sent"


async def test_two_senders_on_one_outbox_send_each_mail_once(
    service: Notifications, inbox: Inbox
) -> None:
    for i in range(40):
        verification(service, f"person{i}@example.nl")
    other = MailDispatcher(
        service.settings,
        service.app,
        service.database,
        service.executor,
        service.dispatcher.outbox._clock,
    )
    sent = await asyncio.gather(service.dispatcher.send_due(), other.send_due())
    assert sum(sent) == 40
    assert len(inbox.messages) == 40
    assert len(set(inbox.message_ids())) == 40


async def test_a_mail_given_up_on_reaches_the_dead_letter_stream_with_its_reason(
    service: Notifications, inbox: Inbox, tmp_path: Path
) -> None:
    server = NatsServerProcess(store_dir=tmp_path / "nats", port=free_port())
    server.start()
    nc = await nats.connect(server.url)
    try:
        js = nc.jetstream()
        await declare_streams(js)
        service.dispatcher.bind_jetstream(js)
        verification(service, "nobody@example.nl")
        await service.dispatcher.send_due()
        assert await service.dispatcher.publish_dead_letters() == 1
        assert await service.dispatcher.publish_dead_letters() == 0, "once"
        subscription = await js.subscribe("deadletter.>", ordered_consumer=True)
        message = await subscription.next_msg(timeout=5)
        assert message.subject == "deadletter.notifications-mailer.mail.email_verification"
        assert message.headers is not None and "550" in message.headers["X-Dead-Letter-Reason"]
        body = json.loads(message.data)
        assert body["recipient"] == "nobody@example.nl" and body["permanent"] is True
        assert "token" not in json.dumps(body).replace("sealed", ""), "never the mail's content"
    finally:
        await nc.close()
        server.stop()
