"""Sends the mail outbox over SMTP, retrying with backoff until the server takes each mail.

Exactly once, and the one window that is left. The consumer decides each (event, recipient)
mail once: its outbox row, keyed by the notification id, commits with the event's tracking
record. Sending is the step no transaction can cover, so it is fenced on both sides:

1. before: the sender claims the row (`sending`, with a lease) and commits, then talks SMTP;
2. after: the server's 250 to the message is recorded as `sent`, with NotificationSent and the
   audit entry, in one commit.

A crash before the claim commits, or while the message is still being transferred (before the
server's final 250), leaves nothing sent: the mail goes out once the lease is over. The window
that remains is between the server's 250 and our commit of `sent` (recorded together with the
mails the other senders finish meanwhile: at most RECORD_GATHER_SECONDS plus a commit, a few
to some tens of milliseconds): a crash exactly there sends the mail a second time after the lease.
That copy carries the same Message-ID (derived from the notification id), so mail clients and
servers that deduplicate by Message-ID show it once. We prefer that to the alternative (never
resending a mail whose fate is unknown) because it could lose a password reset.

A server that cannot be reached costs every due mail one try; their retries back off (1 s, 5 s,
15 s, ... MAIL_RETRY_DELAYS). After the last one a mail is dead-lettered with the reason and
NotificationFailed, and held: tried every MAIL_HELD_RETRY_SECONDS, and at once when a probe
finds the server answering again, so nothing is lost. A mail the server refuses for good (5xx
about its recipient or content) is dead-lettered and not tried again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import aiosmtplib
import structlog
from nats.js import JetStreamContext
from opentelemetry.trace import SpanKind
from servicekit import faults, tracing
from servicekit.executor import StoreExecutor
from servicekit.logs import correlation_scope

from notifications.application import NotificationsApplication
from notifications.mail.compose import ComposedMail, MailComposer
from notifications.mail.dead_letters import publish_dead_letter
from notifications.mail.outbox import Outbox
from notifications.mail.smtp import SmtpServer, close, describe, refused_for_good, transfer
from notifications.settings import NotificationsSettings

log = structlog.get_logger(__name__)

# Crash points for the tests (servicekit.faults): claimed but not sent; sent but not recorded.
BEFORE_SEND = "notifications.before_send"
AFTER_SEND = "notifications.after_send"

PASS_SIZE = 200
# Mails a sender claims in one commit. Claiming more than it sends next costs nothing in
# exactly-once terms (a claimed mail that was not sent goes out after the lease); it only
# delays such mails after a crash.
CLAIM_CHUNK = 8
DEAD_LETTER_CHECK_SECONDS = 30.0
# A sender's connection outlives its pass for this long, so the next pass (under load, a few
# milliseconds later) sends over it instead of connecting, greeting and saying goodbye again
# (measured at 100 events/s, where a pass carries a mail or two: ~12% of this service's CPU per
# mail and ~20% of the SMTP server's). Far below any server's idle timeout (RFC 5321 asks for at
# least five minutes).
IDLE_CONNECTION_SECONDS = 5.0
# A mail sent waits this long for the mails the other senders finish meanwhile (or until each
# sender has finished one), and they are recorded in one commit. Under load senders finish a
# mail every few milliseconds, and a record's transaction, three statements and hand-over to
# the store thread cost the same for one mail as for four (measured: 0.7-0.9 ms CPU a mail
# recorded alone, 0.35 in fours; most records held one mail, a quarter of this service's CPU).
# The price is the window after the server's 250 (module docstring), this much wider.
RECORD_GATHER_SECONDS = 0.01


def utc_now() -> datetime:
    """The current moment, in UTC."""
    return datetime.now(UTC)


class MailDispatcher:
    """Sends due mails from the outbox; wakes when the consumer queues new ones."""

    def __init__(
        self,
        settings: NotificationsSettings,
        app: NotificationsApplication,
        database: Any,
        executor: StoreExecutor,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._settings = settings
        self._executor = executor
        self.composer = MailComposer(settings)
        self.outbox = Outbox(
            app,
            database,
            settings.retry_delays,
            settings.mail_held_retry_seconds,
            settings.lease_seconds,
            self.composer.message_id,
            clock,
        )
        self._server = SmtpServer(settings)
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._server_down = False
        self._js: JetStreamContext | None = None
        self._recorded: list[Callable[[], None]] = []
        self._sent: list[dict[str, Any]] = []
        self._dead_letters_due = True
        self._recorder: asyncio.Task[None] | None = None
        # Set: record what was sent without waiting for more (enough gathered, or the pass ends).
        self._record_now = asyncio.Event()
        self._flushing = False
        # Open connections no sender is using, with the moment each was put back.
        self._idle: list[tuple[aiosmtplib.SMTP, float]] = []

    def bind_jetstream(self, js: JetStreamContext) -> None:
        """Where dead letters go (the worker calls this once connected)."""
        self._js = js

    def when_recorded(self, listener: Callable[[], None]) -> None:
        """Call `listener` after mails were recorded sent or failed (to wake the relay)."""
        self._recorded.append(listener)

    def wake(self) -> None:
        """New mails may be waiting."""
        self._wakeup.set()

    def stop(self) -> None:
        """Finish the mails in hand, then return from `run`."""
        self._stopping = True
        self._wakeup.set()

    async def run(self) -> None:
        """Send until stopped."""
        probe_due = dead_letters_due = 0.0
        loop = asyncio.get_running_loop()
        while not self._stopping:
            try:
                sent = await self.send_due()
                if self._dead_letters_due or loop.time() >= dead_letters_due:
                    # After a give-up, and now and then (a NATS outage may have held some).
                    dead_letters_due = loop.time() + DEAD_LETTER_CHECK_SECONDS
                    self._dead_letters_due = False
                    await self.publish_dead_letters()
                if self._server_down and loop.time() >= probe_due:
                    probe_due = loop.time() + self._settings.mail_probe_seconds
                    await self.probe()
            except Exception as error:
                log.warning("mail pass failed; will retry", error=repr(error))
                sent = 0
            if sent:
                continue
            await self._close_idle(older_than=IDLE_CONNECTION_SECONDS)
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=self._idle_wait())
        await self._close_idle(older_than=0.0)

    def _idle_wait(self) -> float:
        if self._server_down:
            return min(1.0, self._settings.mail_probe_seconds)
        return 1.0

    async def probe(self) -> bool:
        """Whether the server is back; if so, every mail waiting for it is due now."""
        if not await self._server.answers():
            return False
        self._server_down = False
        woken = await self._executor.run(self.outbox.due_now)
        log.info("mail server answers again; sending what waited", mails=woken)
        return True

    async def send_due(self) -> int:
        """Send every mail whose time has come; return how many went out."""
        rows = await self._executor.run_alone(self.outbox.due, PASS_SIZE)
        if not rows:
            return 0
        waiting = deque(rows)
        senders = min(self._settings.smtp_connections, len(rows))
        try:
            sent = sum(await asyncio.gather(*(self._send_from(waiting) for _ in range(senders))))
        finally:
            await self._all_recorded()
            # Under steady load the loop never idles; connections a small pass left unused
            # still say goodbye in time.
            await self._close_idle(older_than=IDLE_CONNECTION_SECONDS)
        if sent:
            self._server_down = False
        return sent

    async def _send_from(self, waiting: deque[dict[str, Any]]) -> int:
        """One sender: its own SMTP connection; claims a few mails of the shared queue at a
        time (one commit for them), sends each, records each."""
        smtp = self._idle_connection()
        mine: deque[dict[str, Any]] = deque()
        sent = 0
        try:
            while (mine or waiting) and not self._stopping:
                if smtp is None or not smtp.is_connected:
                    smtp = await self._connect(mine, waiting)
                    if smtp is None:
                        return sent
                if not mine:
                    chunk = [waiting.popleft() for _ in range(min(CLAIM_CHUNK, len(waiting)))]
                    ids = [row["mail_id"] for row in chunk]
                    claimed = await self._executor.run(self.outbox.claim, ids)
                    # The others are another sender's, or went out meanwhile.
                    mine.extend(row for row in chunk if row["mail_id"] in claimed)
                    continue
                row = mine.popleft()
                with correlation_scope(row["correlation_id"]):
                    message = await self._compose(row)
                    if message is None:
                        continue
                    outcome = await self._send_one(smtp, row, message)
                if outcome is None:
                    await close(smtp)
                    smtp = None
                sent += 1 if outcome else 0
        finally:
            if smtp is not None and smtp.is_connected and not self._stopping:
                self._idle.append((smtp, asyncio.get_running_loop().time()))
            else:
                await close(smtp)
            if mine:
                # Stopping (or a failed pass) with mails claimed but not tried: due again now.
                with contextlib.suppress(Exception):
                    await self._executor.run(self.outbox.release, [r["mail_id"] for r in mine])
        return sent

    def _idle_connection(self) -> aiosmtplib.SMTP | None:
        """The most recently used open connection no sender is using, if any."""
        while self._idle:
            smtp, _ = self._idle.pop()
            if smtp.is_connected:
                return smtp
        return None

    async def _close_idle(self, older_than: float) -> None:
        """Say goodbye on connections nobody has used for `older_than` seconds."""
        now = asyncio.get_running_loop().time()
        keep = [(smtp, since) for smtp, since in self._idle if now - since < older_than]
        stale = [smtp for smtp, since in self._idle if now - since >= older_than]
        self._idle = keep
        for smtp in stale:
            await close(smtp)

    async def _compose(self, row: dict[str, Any]) -> ComposedMail | None:
        try:
            return self.composer.compose(row)
        except Exception as error:
            # A template or a sealed token that cannot be read will not improve with time.
            log.error("mail cannot be written", mail_id=row["mail_id"], error=repr(error))
            await self._record_failure(row, f"cannot be written: {error!r}", permanent=True)
            return None

    async def _connect(self, *pending: deque[dict[str, Any]]) -> aiosmtplib.SMTP | None:
        try:
            return await self._server.connect()
        except Exception as error:
            # The server is not there: every mail still in hand counts a try.
            failed = [row for rows in pending for row in rows]
            for rows in pending:
                rows.clear()
            self._server_down = True
            reason = f"mail server unreachable: {describe(error)}"
            log.warning("mail server unreachable; will retry", mails=len(failed), error=reason)
            await self._executor.run(self.outbox.record_failures, failed, reason)
            self._dead_letters_due = True
            self._notify_recorded()
            return None

    async def _send_one(
        self, smtp: aiosmtplib.SMTP, row: dict[str, Any], message: ComposedMail
    ) -> bool | None:
        """True: sent; False: refused for good; None: not sent, the connection broke."""
        faults.hit(BEFORE_SEND)
        try:
            with tracing.span(
                "smtp send",
                kind=SpanKind.CLIENT,
                parent=tracing.recall(("mail", row["mail_id"])),
                attributes={"mail.kind": row["kind"]},
            ):
                await transfer(smtp, message.sender, message.recipient, message.data)
        except Exception as error:
            permanent = refused_for_good(error)
            log.warning(
                "mail not sent",
                mail_id=row["mail_id"],
                permanent=permanent,
                error=describe(error),
            )
            await self._record_failure(row, describe(error), permanent)
            return False if permanent else None
        faults.hit(AFTER_SEND)
        # DEBUG: every mail sent is in the audit and on the bus (NotificationSent) already; a
        # log line each cost a noticeable share of a mail's time under load.
        log.debug("mail sent", mail_id=row["mail_id"], kind=row["kind"])
        self._record_sent(row)
        return True

    def _record_sent(self, row: dict[str, Any]) -> None:
        """Record the mail sent soon, without holding its sender up: mails the other senders
        finish within RECORD_GATHER_SECONDS, and those sent while a record is being committed,
        go into one commit together (fewer, bigger writes under load)."""
        self._sent.append(row)
        if len(self._sent) >= self._settings.smtp_connections:
            self._record_now.set()
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._record_all_sent())

    async def _record_all_sent(self) -> None:
        while self._sent:
            if not self._record_now.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._record_now.wait(), RECORD_GATHER_SECONDS)
            if not self._flushing:
                self._record_now.clear()
            batch, self._sent = self._sent, []
            try:
                await self._executor.run(self.outbox.record_sent, batch)
            except Exception as error:
                # Sent but not recorded: they go out again after the lease (same Message-ID).
                log.error("mails sent but not recorded", mails=len(batch), error=repr(error))
                continue
            self._notify_recorded()

    async def _all_recorded(self) -> None:
        """Wait until every mail sent so far is recorded (at once: no more are coming)."""
        self._flushing = True
        self._record_now.set()
        try:
            while self._recorder is not None and not self._recorder.done():
                await self._recorder
        finally:
            self._flushing = False
            self._record_now.clear()

    async def _record_failure(self, row: dict[str, Any], reason: str, permanent: bool) -> None:
        await self._executor.run(self.outbox.record_failure, row, reason, permanent)
        self._dead_letters_due = True
        self._notify_recorded()

    async def publish_dead_letters(self) -> int:
        """Put every failed mail not yet on the dead-letter stream there."""
        if self._js is None:
            return 0
        rows = await self._executor.run_alone(self.outbox.dead_letters_pending)
        for row in rows:
            await publish_dead_letter(self._js, row)
            await self._executor.run(self.outbox.dead_lettered, row["mail_id"])
            log.error(
                "mail dead-lettered",
                mail_id=row["mail_id"],
                kind=row["kind"],
                held=row["status"] != "failed",
                reason=row["last_error"],
            )
        return len(rows)

    def _notify_recorded(self) -> None:
        for listener in self._recorded:
            listener()
