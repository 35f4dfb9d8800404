"""The gateway's copy of profiles is served only while it is known to match identity's.

A profile is kept from identity's answers and from the answers to changes on /me; it goes when
identity says the user changed, an answer that raced such news is not kept, and while the
gateway cannot hear identity (no subscription, a dropped connection) nothing is kept or served.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest
from contracts.catalogue import CATALOGUE
from contracts.commands.base import Command, Reply
from contracts.commands.caller import Caller
from contracts.commands.invitations import (
    AcceptInvitation,
    InvitationAcceptedReply,
    MembershipRevokedReply,
    RevokeMembership,
)
from contracts.commands.my_account import ChangeProfile
from contracts.commands.profile import EmailPreferences, GetProfile, Profile, Roles
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from gateway.access_tokens import AccessTokenVerifier
from gateway.auth import Authentication
from gateway.bus import Bus
from gateway.profile_events import (
    CHANGES_PROFILE,
    IDENTITY_EVENTS,
    LEAVES_PROFILE,
    IdentityCommands,
    IdentityEvents,
)
from gateway.profiles import ProfileCache, encoded
from gateway.revocations import RevokedSessions
from gateway.routes.me import Profiles
from litestar import get
from litestar.testing import create_test_client


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def a_profile(user_id: uuid.UUID | None = None, name: str = "Anna de Vries") -> Profile:
    return Profile(
        id=user_id or uuid.uuid4(),
        email="anna@example.nl",
        full_name=name,
        language="nl",
        environment_id=uuid.uuid4(),
        roles=Roles(environment="admin"),
        email_preferences=EmailPreferences(),
        receiving_prompt_enabled=True,
    )


def live_cache(**options: Any) -> ProfileCache:
    cache = ProfileCache(**options)
    cache.resume()
    return cache


def read_into(cache: ProfileCache, profile: Profile) -> None:
    """A GetProfile round trip with nothing in between."""
    cache.keep_read(profile.id, cache.reading(profile.id), profile)


# -- filling and serving --------------------------------------------------------------------


def test_a_profile_identity_answered_is_served_as_the_json_litestar_would_send() -> None:
    cache = live_cache()
    profile = a_profile()
    read_into(cache, profile)
    cached = cache.get(profile.id)
    assert cached is not None and Profile.model_validate_json(cached.body) == profile

    @get("/profile", sync_to_thread=False)
    def as_litestar_sends_it() -> Profile:
        return profile

    with create_test_client([as_litestar_sends_it]) as http:
        assert cached.body == http.get("/profile").content
    assert json.loads(encoded(profile)) == profile.model_dump(mode="json")


def test_nothing_is_kept_or_served_before_identity_can_be_heard() -> None:
    cache = ProfileCache()
    profile = a_profile()
    read_into(cache, profile)
    assert cache.get(profile.id) is None
    cache.resume()
    read_into(cache, profile)
    assert cache.get(profile.id) is not None


def test_a_profile_older_than_the_age_limit_is_asked_again() -> None:
    clock = Clock()
    cache = live_cache(max_age_seconds=30.0, clock=clock)
    profile = a_profile()
    read_into(cache, profile)
    clock.now += 29.9
    assert cache.get(profile.id) is not None
    clock.now += 0.2
    assert cache.get(profile.id) is None


def test_the_cache_holds_a_bounded_number_of_profiles() -> None:
    cache = live_cache(capacity=100)
    profiles = [a_profile() for _ in range(250)]
    for profile in profiles:
        read_into(cache, profile)
    assert len(cache) <= 100
    assert cache.get(profiles[-1].id) is not None
    assert cache.get(profiles[0].id) is None


def test_an_answer_about_someone_else_is_not_filed_under_the_caller() -> None:
    cache = live_cache()
    caller, other = uuid.uuid4(), a_profile()
    cache.keep_read(caller, cache.reading(caller), other)
    assert cache.get(caller) is None


# -- invalidation and its races -------------------------------------------------------------


def test_an_invalidation_drops_the_profile_of_that_user_only() -> None:
    cache = live_cache()
    anna, bob = a_profile(), a_profile()
    read_into(cache, anna)
    read_into(cache, bob)
    cache.invalidate(anna.id)
    assert cache.get(anna.id) is None
    assert cache.get(bob.id) is not None


def test_an_answer_that_left_before_an_invalidation_is_not_kept() -> None:
    cache = live_cache()
    old = a_profile()
    ticket = cache.reading(old.id)
    cache.invalidate(old.id)  # identity's event overtakes the reply to our question
    assert cache.keep_read(old.id, ticket, old) is None
    assert cache.get(old.id) is None
    # A question asked after the news is answered with the new state: that may be kept.
    new = a_profile(old.id, "Anna Jansen")
    assert cache.keep_read(new.id, cache.reading(new.id), new) is not None


def test_news_about_another_user_does_not_spoil_an_answer() -> None:
    cache = live_cache()
    profile = a_profile()
    ticket = cache.reading(profile.id)
    cache.invalidate(uuid.uuid4())
    assert cache.keep_read(profile.id, ticket, profile) is not None


def test_when_stamps_are_forgotten_older_answers_are_refused_to_be_safe() -> None:
    cache = live_cache(stamps=10)
    profile = a_profile()
    ticket = cache.reading(profile.id)
    cache.invalidate(profile.id)
    for _ in range(20):  # the stamp of that invalidation is forgotten
        cache.invalidate(uuid.uuid4())
    assert cache.keep_read(profile.id, ticket, profile) is None


# -- writes on /me --------------------------------------------------------------------------


def test_the_profile_a_change_answers_is_what_is_served_next() -> None:
    cache = live_cache()
    before = a_profile()
    read_into(cache, before)
    ticket = cache.writing(before.id)
    assert cache.get(before.id) is None, "while the change is under way, identity is asked"
    after = a_profile(before.id, "Anna Jansen")
    cache.keep_written(before.id, ticket, after)
    cached = cache.get(before.id)
    assert cached is not None and json.loads(cached.body)["full_name"] == "Anna Jansen"


def test_a_read_that_overlapped_a_change_is_not_kept() -> None:
    cache = live_cache()
    user = uuid.uuid4()
    write = cache.writing(user)
    read = cache.reading(user)  # may be answered before or after the change commits
    assert cache.keep_read(user, read, a_profile(user, "maybe old")) is None
    cache.keep_written(user, write, a_profile(user, "new"))
    assert cache.keep_read(user, read, a_profile(user, "maybe old")) is None
    cached = cache.get(user)
    assert cached is not None and json.loads(cached.body)["full_name"] == "new"


def test_overlapping_changes_keep_nothing_since_their_order_is_unknown() -> None:
    cache = live_cache()
    user = uuid.uuid4()
    first, second = cache.writing(user), cache.writing(user)
    cache.keep_written(user, second, a_profile(user, "second"))
    cache.keep_written(user, first, a_profile(user, "first"))
    assert cache.get(user) is None
    third = cache.writing(user)
    cache.keep_written(user, third, a_profile(user, "third"))
    assert cache.get(user) is not None, "once alone again, a change keeps its answer"


def test_a_failed_change_forgets_the_profile() -> None:
    cache = live_cache()
    profile = a_profile()
    read_into(cache, profile)
    cache.keep_written(profile.id, cache.writing(profile.id), None)
    assert cache.get(profile.id) is None
    read_into(cache, profile)
    assert cache.get(profile.id) is not None


# -- not hearing identity -------------------------------------------------------------------


def test_a_lost_connection_empties_the_cache_and_bypasses_it_until_restored() -> None:
    cache = live_cache()
    events = IdentityEvents(cache)
    events._subscribed = True
    profile = a_profile()
    read_into(cache, profile)
    before_the_drop = cache.reading(profile.id)

    events.connection_lost()
    assert not cache.live and cache.get(profile.id) is None
    read_into(cache, profile)
    assert cache.get(profile.id) is None, "nothing is kept while events may go unseen"

    events.connection_restored()
    assert cache.live
    assert cache.keep_read(profile.id, before_the_drop, profile) is None, (
        "an answer to a question asked before the drop could predate an unseen event"
    )
    read_into(cache, profile)
    assert cache.get(profile.id) is not None


def test_the_cache_stays_off_after_a_reconnect_if_it_never_subscribed() -> None:
    cache = ProfileCache()
    IdentityEvents(cache).connection_restored()
    assert not cache.live


def test_messages_dropped_by_nats_forget_every_profile() -> None:
    cache = live_cache()
    events = IdentityEvents(cache)
    profile = a_profile()
    read_into(cache, profile)
    events.messages_dropped("events.organisation.OrganisationAdded")
    assert cache.get(profile.id) is not None
    ticket = cache.reading(profile.id)
    events.messages_dropped("events.identity.ProfileChanged")
    assert cache.get(profile.id) is None
    assert cache.keep_read(profile.id, ticket, profile) is None


# -- which events count ---------------------------------------------------------------------


def envelope(event_type: str, data: dict[str, Any]) -> bytes:
    return json.dumps({"type": event_type, "data": data}).encode()


@pytest.mark.parametrize(
    "event_type",
    sorted(t for (t, _), model in CATALOGUE.items() if model.context == "identity"),
)
def test_every_identity_event_either_leaves_the_profile_alone_or_drops_its_user(
    event_type: str,
) -> None:
    cache = live_cache()
    anna, bob = a_profile(), a_profile()
    read_into(cache, anna)
    read_into(cache, bob)
    IdentityEvents(cache).apply(
        f"events.identity.{event_type}", envelope(event_type, {"user_id": str(anna.id)})
    )
    if event_type in LEAVES_PROFILE:
        assert cache.get(anna.id) is not None
    else:
        assert cache.get(anna.id) is None
    assert cache.get(bob.id) is not None


def test_the_events_that_change_a_profile_carry_the_user_they_are_about() -> None:
    identity_events = {t: m for (t, _), m in CATALOGUE.items() if m.context == "identity"}
    assert not CHANGES_PROFILE & LEAVES_PROFILE
    assert set(identity_events) >= CHANGES_PROFILE
    for event_type in CHANGES_PROFILE:
        assert "user_id" in identity_events[event_type].model_fields, event_type
    assert IDENTITY_EVENTS == "events.identity.>"


def test_an_event_naming_no_user_or_unreadable_forgets_everyone() -> None:
    for data in (envelope("EnvironmentRenamed", {"environment_id": "x"}), b"not json"):
        cache = live_cache()
        profile = a_profile()
        read_into(cache, profile)
        ticket = cache.reading(profile.id)
        IdentityEvents(cache).apply("events.identity.EnvironmentRenamed", data)
        assert cache.get(profile.id) is None
        assert cache.keep_read(profile.id, ticket, profile) is None


# -- this gateway's own commands ------------------------------------------------------------


def a_caller(user_id: uuid.UUID) -> Caller:
    return Caller(
        user_id=user_id, environment_id=uuid.uuid4(), session_id=uuid.uuid4(), role="admin"
    )


def test_an_accepted_invitation_or_a_revoked_membership_drops_the_users_at_once() -> None:
    cache = live_cache()
    invitee, admin, member = a_profile(), a_profile(), a_profile()
    for profile in (invitee, admin, member):
        read_into(cache, profile)
    commands = IdentityCommands(cache)
    commands.answered(
        AcceptInvitation(token="t" * 43, sealed_password="sealed", full_name="Bob"),
        InvitationAcceptedReply(
            user_id=invitee.id, environment_id=invitee.environment_id, new_account=False
        ),
    )
    assert cache.get(invitee.id) is None
    assert cache.get(admin.id) is not None
    commands.answered(
        RevokeMembership(
            caller=a_caller(admin.id), user_id=member.id, organisation_id=uuid.uuid4()
        ),
        MembershipRevokedReply(),
    )
    assert cache.get(admin.id) is None and cache.get(member.id) is None


# -- the GET and the writes of /me together -------------------------------------------------


class Identity(Bus):
    """Answers GetProfile and changes; `during_call` runs while a question is under way."""

    def __init__(self, profile: Profile) -> None:
        super().__init__([], 1.0)
        self.profile = profile
        self.asked = 0
        self.during_call: Any = None

    async def call(self, command: Command, result_model: Any, timeout: float | None = None) -> Any:
        self.asked += 1
        if self.during_call is not None:
            self.during_call()
            self.during_call = None
        if isinstance(command, ChangeProfile) and command.full_name:
            self.profile = self.profile.model_copy(update={"full_name": command.full_name})
        answer: Reply = self.profile
        return answer


def profiles_for(identity: Identity) -> Profiles:
    key = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    verifier = AccessTokenVerifier([base64.b64encode(key).decode()], 60)
    cache = live_cache()
    return Profiles(Authentication(verifier, RevokedSessions()), identity, cache)


async def test_get_asks_identity_once_then_serves_what_it_remembers() -> None:
    identity = Identity(a_profile())
    profiles = profiles_for(identity)
    caller = a_caller(identity.profile.id)
    bodies = [await profiles.read(caller) for _ in range(3)]
    assert identity.asked == 1
    assert all(json.loads(body)["full_name"] == "Anna de Vries" for body in bodies)


async def test_an_event_arriving_during_the_question_means_asking_again_next_time() -> None:
    identity = Identity(a_profile())
    profiles = profiles_for(identity)
    caller = a_caller(identity.profile.id)
    identity.during_call = lambda: IdentityEvents(profiles.cache).apply(
        "events.identity.ProfileChanged",
        envelope("ProfileChanged", {"user_id": str(caller.user_id)}),
    )
    await profiles.read(caller)
    await profiles.read(caller)
    assert identity.asked == 2, "the answer that raced the event was not kept"
    await profiles.read(caller)
    assert identity.asked == 2


async def test_a_change_is_read_back_at_once_without_asking_identity() -> None:
    identity = Identity(a_profile())
    profiles = profiles_for(identity)
    caller = a_caller(identity.profile.id)
    await profiles.read(caller)
    await profiles.change(caller, ChangeProfile(caller=caller, full_name="Anna Jansen"))
    asked = identity.asked
    assert json.loads(await profiles.read(caller))["full_name"] == "Anna Jansen"
    assert identity.asked == asked
    assert GetProfile.subject == "qry.identity.profile"
