"""One mail per (event, recipient): an event delivered twice, a restart that replays the whole
stream, a crash on either side of the SMTP conversation, and a mail server that is away for a
while all leave every person with exactly the mails they should have.

These scenarios stop parts of the system, so they have a system of their own.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import nats
import pytest
from devstack.smtp_sink import read_mails
from devstack.stack import Stack

from tests.e2e.identity.tenants import Person, an_environment_admin
from tests.e2e.notifications.mailbox import (
    mails_of,
    search,
    stack_settings,
    wait_for_decision,
    wait_for_kind,
)
from tests.e2e.system import new_stack, published_events, wait_for_exit

CONSUMER = "notifications"


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    # A short SMTP timeout makes the lease of a crashed sender short too (6 x timeout + 5 s).
    stack = new_stack(
        tmp_path_factory.mktemp("notifications-once-var"), stack_settings(SMTP_TIMEOUT_SECONDS="1")
    )
    stack.start()
    try:
        stack.wait_ready(timeout=90)
        yield stack
    finally:
        stack.stop()


def ask_for_reset(stack: Stack, person: Person) -> None:
    answer = httpx.post(
        f"{stack.gateway_url}/api/v1/password-resets", json={"email": person.email}, timeout=10
    )
    assert answer.status_code == 202, answer.text


def consumer_caught_up(stack: Stack, timeout: float = 30.0) -> None:
    """Wait until notifications has handled every event in the stream."""

    async def pending() -> int:
        nc = await nats.connect(stack.nats_url)
        try:
            info = await nc.jetstream().consumer_info("EVENTS", CONSUMER)
            return int(info.num_pending or 0) + int(info.num_ack_pending or 0)
        finally:
            await nc.close()

    deadline = time.monotonic() + timeout
    while asyncio.run(pending()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert asyncio.run(pending()) == 0, stack.log_tails()


def all_message_ids(stack: Stack) -> Counter[str]:
    return Counter(str(m["Message-ID"]) for m in read_mails(stack.maildir))


def test_an_event_delivered_twice_gives_one_mail(own: Stack) -> None:
    person = an_environment_admin(own, "twice")
    ask_for_reset(own, person)
    wait_for_kind(own, person.email, "password_reset")
    [envelope] = [
        e
        for e in published_events(own, "events.identity.PasswordResetRequested")
        if e["data"]["email"] == person.email
    ]

    async def publish_again() -> None:
        nc = await nats.connect(own.nats_url)
        try:
            # Another Nats-Msg-Id, so the stream keeps the copy: the consumer sees it twice.
            await nc.jetstream().publish(
                "events.identity.PasswordResetRequested",
                json.dumps(envelope).encode(),
                stream="EVENTS",
                headers={"Nats-Msg-Id": f"copy-{envelope['id']}"},
            )
        finally:
            await nc.close()

    asyncio.run(publish_again())
    consumer_caught_up(own)
    time.sleep(1)
    assert len(mails_of(own, person.email, "password_reset")) == 1


def test_a_restart_that_replays_the_whole_stream_sends_nothing_again(own: Stack) -> None:
    person = an_environment_admin(own, "replay")
    ask_for_reset(own, person)
    wait_for_kind(own, person.email, "password_reset")
    consumer_caught_up(own)
    before = all_message_ids(own)

    own.kill("notifications")

    async def forget_the_position() -> None:
        nc = await nats.connect(own.nats_url)
        try:
            await nc.jetstream().delete_consumer("EVENTS", CONSUMER)
        finally:
            await nc.close()

    # Without its durable consumer, the restarted service reads the stream from the start.
    asyncio.run(forget_the_position())
    own.start_service("notifications")
    own.wait_ready(timeout=60)
    consumer_caught_up(own, timeout=60)
    time.sleep(1.5)
    assert all_message_ids(own) == before
    assert max(before.values()) == 1


def test_a_crash_after_claiming_and_before_sending_sends_the_mail_once(own: Stack) -> None:
    person = an_environment_admin(own, "crash-before")
    own.terminate("notifications")
    own.start_service("notifications", {"FAULT_INJECTION": "notifications.before_send"})
    own.wait_ready(timeout=60)
    ask_for_reset(own, person)
    wait_for_exit(own, "notifications", timeout=30)
    assert mails_of(own, person.email, "password_reset") == []
    own.start_service("notifications")
    wait_for_kind(own, person.email, "password_reset", timeout=40)
    time.sleep(1)
    assert len(mails_of(own, person.email, "password_reset")) == 1


def test_a_crash_between_the_servers_yes_and_our_record_resends_the_same_message(
    own: Stack,
) -> None:
    """The window no transaction can close (notifications.mail.dispatcher): the mail goes out
    again, recognisably the same one, and the audit records it sent once."""
    person = an_environment_admin(own, "crash-after")
    own.terminate("notifications")
    own.start_service("notifications", {"FAULT_INJECTION": "notifications.after_send"})
    own.wait_ready(timeout=60)
    ask_for_reset(own, person)
    wait_for_exit(own, "notifications", timeout=30)
    [first] = mails_of(own, person.email, "password_reset")
    own.start_service("notifications")
    first_copy, second_copy = wait_for_kind(own, person.email, "password_reset", 2, timeout=40)
    assert first_copy["Message-ID"] == second_copy["Message-ID"] == first["Message-ID"]
    [sent] = wait_for_decision(own, person, "password_reset", "sent")
    assert sent["outcome"] == "sent"


def test_mails_written_while_the_mail_server_is_away_all_arrive_once_when_it_is_back(
    own: Stack,
) -> None:
    people = [an_environment_admin(own, f"away-{i}") for i in range(4)]
    assert own.smtp_sink is not None
    own.smtp_sink.stop(10)
    try:
        for person in people:
            ask_for_reset(own, person)
        # The retries (0.3 s, 0.6 s, 1 s here) run out: dead-lettered, held, shown to operators.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            failed = search(own, kind="password_reset", outcome="failed")["notifications"]
            if {p.email for p in people} <= {f["recipient"] for f in failed}:
                break
            time.sleep(0.2)
        held = {f["recipient"]: f for f in failed}
        assert all(held[p.email]["permanent"] is False for p in people), own.log_tails()
        assert "unreachable" in held[people[0].email]["reason"]
    finally:
        own.smtp_sink.start()
    for person in people:
        wait_for_kind(own, person.email, "password_reset", timeout=30)
    time.sleep(1.5)
    for person in people:
        assert len(mails_of(own, person.email, "password_reset")) == 1
    dead = [
        m
        for m in dead_letters(own)
        if m["kind"] == "password_reset" and m["recipient"] in {p.email for p in people}
    ]
    assert len(dead) == len(people) and all(m["held"] for m in dead)


def dead_letters(stack: Stack) -> list[dict[str, object]]:
    async def read() -> list[dict[str, object]]:
        nc = await nats.connect(stack.nats_url)
        try:
            js = nc.jetstream()
            subscription = await js.subscribe(
                "deadletter.notifications-mailer.>", ordered_consumer=True
            )
            found = []
            while True:
                try:
                    message = await subscription.next_msg(timeout=1)
                except nats.errors.TimeoutError:
                    break
                found.append(json.loads(message.data))
            return found
        finally:
            await nc.close()

    return asyncio.run(read())
