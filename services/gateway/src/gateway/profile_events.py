"""What keeps the gateway's profile cache true (see `gateway.profiles`).

- Identity's events: one core NATS subscription to `events.identity.>` on the gateway's
  connection; an event that can change what GetProfile answers drops its user's profile. Core
  NATS delivers only while connected, so the cache is live only from the moment the server has
  the subscription until the connection drops, and forgets everything when NATS dropped
  messages of ours.
- This gateway's own commands to identity: the users they name are forgotten as soon as the
  answer is in, so a client reads its change back at once (an accepted invitation, say)
  instead of once the event is published.
"""

from __future__ import annotations

import asyncio
import json
from uuid import UUID

import structlog
from contracts.commands.base import Command, Reply
from contracts.commands.profile import Profile
from contracts.events.base import EVENT_SUBJECT_PREFIX
from contracts.events.identity import (
    EmailVerificationRequested,
    EmailVerified,
    PasswordChanged,
    PasswordResetRequested,
    SignUpAttemptedForExistingAccount,
    UserRegistered,
)
from contracts.events.memberships import (
    InvitationAccepted,
    MembershipGranted,
    MembershipRevoked,
    UserInvited,
    UserMovedToEnvironment,
)
from contracts.events.my_account import (
    EmailPreferencesChanged,
    PhotoChanged,
    ProfileChanged,
    ReceivingPromptDismissed,
    ReceivingPromptRestored,
)
from nats.aio.client import Client
from nats.aio.msg import Msg

from gateway.bus import Bus
from gateway.profiles import ProfileCache

log = structlog.get_logger(__name__)

IDENTITY_EVENTS = f"{EVENT_SUBJECT_PREFIX}.identity.>"
IDENTITY_COMMANDS = "cmd.identity."
CHANGES_PROFILE = frozenset(
    event.event_type
    for event in (
        # name, phone, language; e-mail preferences; the receiving prompt
        ProfileChanged,
        EmailPreferencesChanged,
        ReceivingPromptDismissed,
        ReceivingPromptRestored,
        # roles per organisation (an accepted invitation grants through MembershipGranted)
        MembershipGranted,
        MembershipRevoked,
        InvitationAccepted,
        # the environment, when the user followed their organisation into another one
        UserMovedToEnvironment,
        UserRegistered,
    )
)
"""Identity events after which GetProfile may answer otherwise for their `user_id`."""
LEAVES_PROFILE = frozenset(
    event.event_type
    for event in (
        EmailVerificationRequested,
        EmailVerified,
        SignUpAttemptedForExistingAccount,
        PasswordResetRequested,
        PasswordChanged,
        PhotoChanged,
        UserInvited,
    )
)
"""Identity events that change nothing GetProfile answers (the photo is not in the profile).
Any other event, one this gateway does not know yet included, invalidates its `user_id`, or
every profile when it names none."""


class IdentityEvents:
    """Follows identity's events on a core NATS subscription and keeps the cache true by them."""

    def __init__(self, cache: ProfileCache) -> None:
        self._cache = cache
        self._subscribed = False

    async def follow(self, nc: Client) -> None:
        """Subscribe once; the cache goes live when the server has the subscription."""
        await nc.subscribe(IDENTITY_EVENTS, cb=self._on_event)
        while True:
            try:
                await nc.flush(timeout=5)
                break
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # Reconnecting: nats-py re-sends the subscription; `connection_restored` follows.
                log.warning("subscribing to identity's events not confirmed", error=repr(error))
                await asyncio.sleep(1.0)
        self._subscribed = True
        if nc.is_connected:
            self._cache.resume()

    def connection_lost(self) -> None:
        """Events published from now on would go unseen."""
        self._cache.suspend()

    def connection_restored(self) -> None:
        """The subscription is registered again: the cache may fill from now on."""
        if self._subscribed:
            self._cache.resume()

    def messages_dropped(self, subject: str) -> None:
        """Any dropped event of identity's may have been an invalidation."""
        if subject.startswith(IDENTITY_EVENTS[:-1]):
            self._cache.invalidate_all()

    async def _on_event(self, message: Msg) -> None:
        self.apply(message.subject, message.data)

    def apply(self, subject: str, data: bytes) -> None:
        """Forget what one event of identity's may have changed."""
        event_type = subject.rpartition(".")[2]
        if event_type in LEAVES_PROFILE:
            return
        try:
            user_id = json.loads(data)["data"].get("user_id")
            if user_id is None:
                self._cache.invalidate_all()
            else:
                self._cache.invalidate(UUID(str(user_id)))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            log.warning("unreadable identity event; forgetting every profile", error=repr(error))
            self._cache.invalidate_all()


class IdentityCommands:
    """Forgets the users a command to identity named once identity has carried it out."""

    def __init__(self, cache: ProfileCache) -> None:
        self._cache = cache

    def answered(self, command: Command, reply: Reply) -> None:
        """After one command the bus carried: drop every user it or its answer names."""
        if not command.subject.startswith(IDENTITY_COMMANDS) or isinstance(reply, Profile):
            return  # not identity's, or a change on /me, which keeps the profile it answered
        caller = getattr(command, "caller", None)
        for user_id in (
            getattr(caller, "user_id", None),
            getattr(command, "user_id", None),
            getattr(reply, "user_id", None),
        ):
            if isinstance(user_id, UUID):
                self._cache.invalidate(user_id)


def follow_identity_events(bus: Bus, cache: ProfileCache) -> IdentityEvents:
    """Keep `cache` true by identity's events and by this gateway's own commands to identity."""
    events = IdentityEvents(cache)
    bus.watch_connection(events)
    bus.when_connected(events.follow)
    bus.when_answered(IdentityCommands(cache).answered)
    return events
