"""Crashes at the worst moments lose nothing and duplicate nothing.

Each test kills a service process exactly where a crash hurts most (servicekit.faults), starts
it again without the fault, and checks the bus holds each event once and the user got one mail.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from devstack.stack import Stack

from tests.e2e.system import (
    events_about,
    mails_to,
    new_stack,
    register,
    token_in,
    verify,
    wait_for_exit,
    wait_for_mails,
)

CRASHED = 86  # servicekit.faults exit code


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    system = new_stack(tmp_path / "var")
    system.start()
    try:
        system.wait_ready(timeout=60)
        yield system
    finally:
        system.stop()


def restart_with_fault(stack: Stack, service: str, point: str) -> None:
    stack.terminate(service)
    stack.start_service(service, {"FAULT_INJECTION": point})
    stack.wait_ready(timeout=60)


def register_expecting_a_crash(stack: Stack, email: str) -> None:
    try:
        answer = register(stack, email)
        # The reply may leave before the relay reaches its crash point, or not at all (504).
        assert answer.status_code in (202, 503, 504)
    except httpx.TimeoutException:
        pass


def test_a_crash_between_save_and_publish_publishes_after_restart_exactly_once(
    stack: Stack,
) -> None:
    restart_with_fault(stack, "identity", "relay.before_publish")
    email = "before-publish@example.nl"
    register_expecting_a_crash(stack, email)
    assert wait_for_exit(stack, "identity") == CRASHED
    assert events_about(stack, email) == [], "saved, not yet published"
    assert mails_to(stack, email) == []

    stack.start_service("identity")
    [mail] = wait_for_mails(stack, email, timeout=45)  # a restart on a busy machine
    time.sleep(1.5)
    assert len(mails_to(stack, email)) == 1
    assert [e["type"] for e in events_about(stack, email)] == [
        "UserRegistered",
        "EmailVerificationRequested",
    ]
    assert verify(stack, token_in(mail)).status_code == 200


def test_a_crash_between_publish_and_position_record_republishes_without_duplicates(
    stack: Stack,
) -> None:
    restart_with_fault(stack, "identity", "relay.after_publish")
    email = "after-publish@example.nl"
    register_expecting_a_crash(stack, email)
    assert wait_for_exit(stack, "identity") == CRASHED
    assert len(events_about(stack, email)) == 2, "published, position not recorded"

    stack.start_service("identity")
    stack.wait_ready(timeout=60)
    wait_for_mails(stack, email)
    time.sleep(1.5)
    assert len(events_about(stack, email)) == 2, "the republished copies were dropped"
    assert len(mails_to(stack, email)) == 1


def test_a_consumer_crash_after_its_effect_but_before_the_ack_sends_one_mail(stack: Stack) -> None:
    restart_with_fault(stack, "notifications", "consumer.after_effect")
    email = "after-effect@example.nl"
    register(stack, email)
    assert wait_for_exit(stack, "notifications") == CRASHED

    stack.start_service("notifications")
    [mail] = wait_for_mails(stack, email)
    time.sleep(4.5)  # past the consumer's ack wait (3 s here): the redelivery has come and gone
    assert len(mails_to(stack, email)) == 1
    assert verify(stack, token_in(mail)).status_code == 200


def test_a_restart_of_the_whole_system_keeps_every_account_and_resends_nothing(
    stack: Stack,
) -> None:
    email = "restart@example.nl"
    register(stack, email)
    [mail] = wait_for_mails(stack, email)
    stack.stop()

    again = Stack(
        stack.var_dir,
        gateway_port=stack.gateway_port,
        extra_env=stack.extra_env,
        log_to_files=True,
    )
    again.start()
    try:
        again.wait_ready(timeout=60)
        assert verify(again, token_in(mail)).status_code == 200
        assert register(again, email).status_code == 202
        # The account survived: signing up again only tells its owner so, in one new mail.
        wait_for_mails(again, email, count=2)
        time.sleep(1.5)
        subjects = [m["Subject"] for m in mails_to(again, email)]
        assert subjects == [
            "Bevestig je e-mailadres voor E-facturatie",
            "Je hebt al een account bij E-facturatie",
        ], "and the verification mail was not sent again"
    finally:
        again.stop()
