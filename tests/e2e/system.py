"""Helpers for driving the whole system as processes, the same way `make run` starts it."""

from __future__ import annotations

import asyncio
import json
import re
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import nats
from devstack.ports import free_port
from devstack.smtp_sink import read_mails
from devstack.stack import Stack

TOKEN = re.compile(r"token=([A-Za-z0-9_\-]+)")


def new_stack(var_dir: Path, extra_env: dict[str, str] | None = None) -> Stack:
    """The system on free ports with its own NATS and SMTP sink, logs in var/logs."""
    # One validation worker per stack, compiling the rules only when a document comes: the
    # suite starts many stacks on a small machine, and most never see an invoice.
    env = {
        "CONSUMER_ACK_WAIT_SECONDS": "3",
        "VALIDATION_WORKERS": "1",
        "VALIDATION_WARM_START": "false",
        **(extra_env or {}),
    }
    return Stack(var_dir, gateway_port=free_port(), extra_env=env, log_to_files=True)


def mails_to(stack: Stack, address: str) -> list[EmailMessage]:
    """Every mail the sink received for one address."""
    return [m for m in read_mails(stack.maildir) if address in str(m["To"])]


def wait_for_mails(
    stack: Stack, address: str, count: int = 1, timeout: float = 10.0
) -> list[EmailMessage]:
    """Wait until `count` mails for `address` are in the sink; fail with the logs otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = mails_to(stack, address)
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"no mail for {address} after {timeout}s\n{stack.log_tails()}")


def token_in(mail: EmailMessage) -> str:
    """The verification token from the link in a mail's text part."""
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    match = TOKEN.search(body.get_content())
    assert match, "the mail carries its link with token=<token>"
    return match.group(1)


def register(stack: Stack, email: str, language: str = "nl", **extra: Any) -> httpx.Response:
    """POST /api/v1/registrations."""
    body = {"email": email, "password": "correct horse battery staple", "full_name": "Test User"}
    body.update(language=language, **extra)
    return httpx.post(f"{stack.gateway_url}/api/v1/registrations", json=body, timeout=10)


def verify(stack: Stack, token: str) -> httpx.Response:
    """POST /api/v1/registrations/verify."""
    return httpx.post(
        f"{stack.gateway_url}/api/v1/registrations/verify", json={"token": token}, timeout=10
    )


def published_events(stack: Stack, subject: str = "events.>") -> list[dict[str, Any]]:
    """Every envelope in the EVENTS stream on `subject`, oldest first."""

    async def read() -> list[dict[str, Any]]:
        nc = await nats.connect(stack.nats_url)
        try:
            js = nc.jetstream()
            info = await js.stream_info("EVENTS")
            if info.state.messages == 0:
                return []
            subscription = await js.subscribe(subject, ordered_consumer=True)
            envelopes = []
            while True:
                try:
                    message = await subscription.next_msg(timeout=1)
                except nats.errors.TimeoutError:
                    break
                envelopes.append(json.loads(message.data))
            return envelopes
        finally:
            await nc.close()

    return asyncio.run(read())


def events_about(stack: Stack, email: str) -> list[dict[str, Any]]:
    """The published envelopes whose data mentions this e-mail address."""
    return [e for e in published_events(stack) if e["data"].get("email") == email]


def wait_for_exit(stack: Stack, name: str, timeout: float = 15.0) -> int:
    """Wait for a service process to end by itself; its exit code."""
    process = stack.processes[name]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code = process.poll()
        if code is not None:
            return code
        time.sleep(0.05)
    raise AssertionError(f"{name} did not exit\n{stack.log_tails()}")


PASSWORD = "correct horse battery staple"


def login(
    stack: Stack, email: str, password: str = PASSWORD, address: str | None = None
) -> httpx.Response:
    """POST /api/v1/sessions, from `address` when given (the test stack trusts X-Forwarded-For)."""
    headers = {"X-Forwarded-For": address} if address else {}
    return httpx.post(
        f"{stack.gateway_url}/api/v1/sessions",
        json={"email": email, "password": password},
        headers=headers,
        timeout=10,
    )


def bearer(access_token: str) -> dict[str, str]:
    """The Authorization header for an access token."""
    return {"Authorization": f"Bearer {access_token}"}


def me(stack: Stack, access_token: str) -> httpx.Response:
    """GET /api/v1/me."""
    return httpx.get(f"{stack.gateway_url}/api/v1/me", headers=bearer(access_token), timeout=10)


def refresh(stack: Stack, refresh_token: str) -> httpx.Response:
    """POST /api/v1/sessions/refresh."""
    return httpx.post(
        f"{stack.gateway_url}/api/v1/sessions/refresh",
        json={"refresh_token": refresh_token},
        timeout=10,
    )


def logout(stack: Stack, access_token: str) -> httpx.Response:
    """DELETE /api/v1/sessions/current."""
    return httpx.delete(
        f"{stack.gateway_url}/api/v1/sessions/current", headers=bearer(access_token), timeout=10
    )


def verified_user(stack: Stack, email: str, language: str = "nl") -> str:
    """Sign up and verify through the mail; the address, ready to log in."""
    assert register(stack, email, language=language).status_code == 202
    assert verify(stack, token_in(wait_for_mails(stack, email)[0])).status_code == 200
    return email
