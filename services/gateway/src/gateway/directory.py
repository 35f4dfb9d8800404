"""The participant directory, mirrored in the gateway's memory from the organisation events.

A network lookup must be fast and is public, so the gateway answers it from its own read model:
an ordered JetStream consumer replays `events.organisation.>` from the start and keeps, per
participant id, the receiving organisation's id and name. The organisation service's directory
table stays the authority: until the replay has caught up, and for any id the mirror does not
list, the gateway asks it. So a lookup never answers 404 for a participant that receives; right
after receiving is switched off, the mirror may list it for the few milliseconds the event takes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import structlog
from contracts.envelope import Envelope, parse_event
from contracts.events.organisation import (
    IdentifierAdded,
    IdentifierRemoved,
    OrganisationDetailsChanged,
    ReceivingDisabled,
    ReceivingEnabled,
)
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import DeliverPolicy

log = structlog.get_logger(__name__)

SUBJECT = "events.organisation.>"


@dataclass(frozen=True)
class Listing:
    """Who receives on one participant id."""

    organisation_id: str
    name: str


Ask = Callable[[str], Awaitable[Listing | None]]
"""Asks the organisation service's directory (the authority) about one participant id."""


class DirectoryMirror:
    """Participant id -> listing, kept up to date from the organisation events."""

    def __init__(self, ask: Ask | None = None) -> None:
        self._listed: dict[str, Listing] = {}
        self._caught_up = asyncio.Event()
        self._ask = ask

    async def lookup(self, participant_id: str) -> Listing | None:
        """From the mirror once it caught up; from the organisation service otherwise."""
        if self.caught_up:
            listing = self._listed.get(participant_id)
            if listing is not None:
                return listing
        return None if self._ask is None else await self._ask(participant_id)

    @property
    def caught_up(self) -> bool:
        """Whether the replay reached the end of the stream once."""
        return self._caught_up.is_set()

    def get(self, participant_id: str) -> Listing | None:
        """The listing of a participant id, or None when the mirror has none."""
        return self._listed.get(participant_id)

    def __len__(self) -> int:
        return len(self._listed)

    def apply(self, event: Any) -> None:
        """Change the mirror by one organisation event (others leave it as it is)."""
        organisation_id = str(getattr(event, "organisation_id", ""))
        if isinstance(event, ReceivingEnabled):
            for participant_id in event.participant_ids:
                self._listed[participant_id] = Listing(organisation_id, event.name)
        elif isinstance(event, ReceivingDisabled):
            for participant_id in event.participant_ids:
                self._drop(participant_id, organisation_id)
        elif isinstance(event, IdentifierAdded):
            if event.receiving:
                self._listed[event.participant_id] = Listing(organisation_id, event.name)
        elif isinstance(event, IdentifierRemoved):
            self._drop(event.participant_id, organisation_id)
        elif isinstance(event, OrganisationDetailsChanged) and event.receiving:
            for participant_id, listing in list(self._listed.items()):
                if listing.organisation_id == organisation_id:
                    self._listed[participant_id] = Listing(organisation_id, event.name)

    def _drop(self, participant_id: str, organisation_id: str) -> None:
        listing = self._listed.get(participant_id)
        if listing is not None and listing.organisation_id == organisation_id:
            del self._listed[participant_id]

    async def follow(self, nc: Client) -> None:
        """Replay and follow the organisation events for as long as the gateway runs."""
        while True:
            try:
                await self._follow_once(nc)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("following the directory failed; retrying", error=repr(error))
                await asyncio.sleep(1.0)

    async def _follow_once(self, nc: Client) -> None:
        js = nc.jetstream()
        # A fresh replay after a failure: start empty, so nothing removed meanwhile lingers.
        self._listed.clear()

        async def on_message(message: Msg) -> None:
            try:
                self.apply(parse_event(Envelope.model_validate_json(message.data)))
            except Exception as error:  # one unreadable event must not stop the mirror
                log.warning("directory mirror skipped an event", error=repr(error))
            if message.metadata.num_pending == 0:
                self._caught_up.set()

        subscription = await js.subscribe(
            SUBJECT,
            cb=on_message,
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.ALL,
        )
        try:
            info = await subscription.consumer_info()
            if info.num_pending == 0:
                self._caught_up.set()
            await asyncio.Event().wait()  # until cancelled; the consumer re-creates itself
        finally:
            await subscription.unsubscribe()
