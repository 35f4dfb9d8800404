"""Invoices through the kill storm: every accepted invoice delivered into the receiving
organisation's inbox exactly once, and each of its mails sent once.

Two organisations in two environments, from the fake KvK register: a sender, and a receiver
with receiving on. Each invoice is the official base example with its own number, submitted
with an Idempotency-Key (its number) and, when a fault cuts the answer off, submitted again
with the same key, as a client should. After the storm:

- lost: an accepted invoice that is not in the receiver's inbox, or whose outgoing copy is not
  `delivered`;
- duplicated: an invoice number in the inbox more than once, an outgoing invoice the sender's
  list shows twice, or an event with more than one mail (different Message-IDs) to one user;
- missing mails: an accepted invoice without its `invoice_sent` mail to the sender's user, or
  a received one without its `invoice_received` mail to the receiver's user.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from invoicing.validation import rules_dir_from

from bench.invoicing import base_example, document, register_numbers
from chaos.driver import PASSWORD, Gateways, Sink, each_of, p95, until_answered, verified_account

# A mail kind and who gets it, per invoice.
SENT, RECEIVED = "invoice_sent", "invoice_received"


@dataclass
class Party:
    """A user's organisation: where its invoices are and who its user is."""

    email: str
    headers: dict[str, str]
    path: str
    participant: str


@dataclass
class Submissions:
    """Invoices submitted through the gateways: the accepted ones by number, and what it took."""

    accepted: dict[str, str] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)
    attempts: int = 0
    latencies: list[float] = field(default_factory=list)


class InvoiceTraffic:
    """The storm's invoice side: parties set up before, submissions during, checks after."""

    def __init__(self, gateways: Gateways, sink: Sink, tag: str) -> None:
        self._gateways = gateways
        self._sink = sink
        self._tag = tag
        rules_dir = rules_dir_from(os.environ.get("EINVOICE_RULES_DIR"))
        if rules_dir is None:
            raise SystemExit("chaos: the e-invoicing rules are not found (EINVOICE_RULES_DIR)")
        self._template = base_example(rules_dir)
        self.sender: Party | None = None
        self.receiver: Party | None = None
        self.result = Submissions()

    async def set_up(self) -> None:
        """The two organisations, active, the receiver receiving and in the directory; one
        invoice through to the inbox first, so the validators are warm before the storm."""
        numbers = register_numbers()
        self.sender = await self._party(f"{self._tag}-sender", numbers[0], receiving=False)
        self.receiver = await self._party(f"{self._tag}-receiver", numbers[1], receiving=True)
        await self._until_ok(f"/api/v1/directory/{self.receiver.participant}", {}, 60)
        warm = Submissions()
        await self.submit(f"{self._tag}-WARM", warm)
        assert warm.accepted, f"the warm-up invoice was refused: {warm.refused}"
        await self.wait_delivered(set(warm.accepted), 120)

    async def _party(self, tag: str, kvk_number: str, receiving: bool) -> Party:
        token = await verified_account(self._gateways, self._sink, tag)
        headers = {"Authorization": f"Bearer {token}"}
        status, added = await self._gateways.request(
            "POST", "/api/v1/organisations", json={"kvk_number": kvk_number}, headers=headers
        )
        assert status == 201 and added is not None, f"adding an organisation answered {status}"
        path = f"/api/v1/organisations/{added.json()['id']}"
        status, _ = await self._gateways.request("POST", f"{path}/activation", headers=headers)
        assert status in (200, 202), f"activation answered {status}"
        if receiving:
            status, _ = await self._gateways.request(
                "PUT", f"{path}/receiving", json={"enabled": True}, headers=headers
            )
            assert status == 200, f"receiving on answered {status}"
        return Party(f"{tag}@chaos.example.nl", headers, path, f"0106:{kvk_number}")

    async def _log_in(self, party: Party) -> None:
        status, response = await self._gateways.request(
            "POST", "/api/v1/sessions", json={"email": party.email, "password": PASSWORD}
        )
        if status == 201 and response is not None:
            party.headers = {"Authorization": f"Bearer {response.json()['access_token']}"}

    async def _until_ok(self, path: str, headers: dict[str, str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while (await self._gateways.request("GET", path, headers=headers))[0] != 200:
            assert time.monotonic() < deadline, f"GET {path} never answered 200"
            await asyncio.sleep(0.2)

    def numbers(self, count: int) -> list[str]:
        """The storm's invoice numbers."""
        return [f"{self._tag}-{i:05d}" for i in range(count)]

    async def submit(
        self, number: str, result: Submissions | None = None, give_up_after: float = 240.0
    ) -> None:
        """POST the invoice until answered 202, the same Idempotency-Key on every attempt."""
        assert self.sender is not None and self.receiver is not None
        result = result if result is not None else self.result
        body = document(self._template, self.sender.participant, self.receiver.participant, number)
        headers = self.sender.headers | {
            "Content-Type": "application/xml",
            "Idempotency-Key": number,
        }

        async def log_in_again(status: int) -> bool:
            nonlocal headers
            if status != 401:
                return False
            # The access token ran out (15 minutes): log in again, as a client would.
            assert self.sender is not None
            await self._log_in(self.sender)
            headers |= self.sender.headers
            await asyncio.sleep(0.1)
            return True

        path = f"{self.sender.path}/invoices"
        answered = await until_answered(
            lambda: self._gateways.request("POST", path, content=body, headers=headers),
            202,
            give_up_after,
            mend=log_in_again,
        )
        result.attempts += len(answered.failed) + 1
        if answered.status == 202 and answered.response is not None:
            result.latencies.append(answered.seconds)
            result.accepted[number] = answered.response.json()["id"]
        else:
            result.refused[number] = answered.status

    async def submit_many(
        self, numbers: list[str], concurrency: int, progress: asyncio.Queue[int]
    ) -> None:
        """Submit every number, `concurrency` at a time; report each one done on `progress`."""
        await each_of(numbers, self.submit, concurrency, progress)

    async def listed(self, party: Party, direction: str) -> list[dict[str, Any]]:
        """Every invoice of one direction in the party's list, page by page."""
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            status, response = await self._gateways.request(
                "GET",
                f"{party.path}/invoices",
                params={"direction": direction, "page": page, "per_page": 200},
                headers=party.headers,
            )
            if status == 401:
                await self._log_in(party)
                await asyncio.sleep(0.1)
                continue
            if status != 200 or response is None:
                await asyncio.sleep(1.0)  # a gateway or replica restarting: ask again
                continue
            answer = response.json()
            found.extend(answer["invoices"])
            if page * answer["per_page"] >= answer["total"]:
                return found
            page += 1

    async def wait_delivered(self, numbers: set[str], timeout: float) -> float:
        """Until every one of them is in the receiver's inbox and delivered in the sender's
        outbox, or the time is up; the seconds it took."""
        assert self.sender is not None and self.receiver is not None
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            incoming = {i["invoice_number"] for i in await self.listed(self.receiver, "incoming")}
            delivered = {
                i["invoice_number"]
                for i in await self.listed(self.sender, "outgoing")
                if i["status"] == "delivered"
            }
            if numbers <= incoming and numbers <= delivered:
                break
            await asyncio.sleep(2.0)
        return time.monotonic() - started

    async def figures(self, timeout: float) -> dict[str, Any]:
        """Lost and duplicated invoices and invoice mails of the accepted submissions."""
        assert self.sender is not None and self.receiver is not None
        accepted = set(self.result.accepted)
        waited = await self.wait_delivered(accepted, timeout)
        incoming = Counter(
            i["invoice_number"] for i in await self.listed(self.receiver, "incoming")
        )
        outgoing = await self.listed(self.sender, "outgoing")
        outgoing_numbers = Counter(i["invoice_number"] for i in outgoing)
        not_delivered = {
            i["invoice_number"]
            for i in outgoing
            if i["invoice_number"] in accepted and i["status"] != "delivered"
        }
        received = set(incoming) & accepted
        mails = await self._mails(accepted, received, timeout=max(30.0, timeout - waited))
        return {
            "invoices": len(accepted),
            "invoices_refused": len(self.result.refused),
            "invoices_lost": len(accepted - set(incoming)) + len(not_delivered),
            "invoices_duplicated": sum(n - 1 for n in incoming.values())
            + sum(n - 1 for n in outgoing_numbers.values()),
            "invoices_retried_requests": self.result.attempts
            - len(accepted)
            - len(self.result.refused),
            "invoice_p95_ms": round(p95(self.result.latencies) * 1000),
            "delivered_wait_s": round(waited, 1),
            **mails,
        }

    async def _mails(
        self, accepted: set[str], received: set[str], timeout: float
    ) -> dict[str, Any]:
        """One `invoice_sent` mail to the sender's user per accepted invoice and one
        `invoice_received` mail to the receiver's user per received one: (mails by event, by
        Message-ID), waited for until they are all there or the time is up."""
        assert self.sender is not None and self.receiver is not None
        # Plus the warm-up invoice's, mailed before the storm.
        wanted = {
            SENT: (self.sender.email, len(accepted) + 1),
            RECEIVED: (self.receiver.email, len(received) + 1),
        }
        started = time.monotonic()
        while True:
            by_event = self._mails_by_event(wanted)
            complete = all(len(by_event[kind]) >= count for kind, (_, count) in wanted.items())
            if complete or time.monotonic() - started > timeout:
                break
            await asyncio.sleep(1.0)
        return {
            "invoice_mails_missing": sum(
                max(0, count - len(by_event[kind])) for kind, (_, count) in wanted.items()
            ),
            "invoice_mails_duplicated": sum(
                len(ids) - 1 for kind in wanted for ids in by_event[kind].values()
            ),
        }

    def _mails_by_event(self, wanted: dict[str, tuple[str, int]]) -> dict[str, dict[str, set[str]]]:
        """Per kind: the Message-IDs of each event's mails to the kind's user."""
        by_event: dict[str, dict[str, set[str]]] = {kind: {} for kind in wanted}
        for mail in self._sink.mails():
            if mail.kind in wanted and mail.to == wanted[mail.kind][0]:
                by_event[mail.kind].setdefault(mail.event_id, set()).add(mail.message_id)
        return by_event
