"""The signed-in user's own profile, e-mail preferences and receiving prompt (API.md, Identity).

GET answers from the gateway's profile cache when it can (`gateway.profiles`); every write
here refreshes it with the profile identity answers, so a client reads its own change back.
"""

from __future__ import annotations

from typing import Any, Literal

from contracts.commands.base import Command
from contracts.commands.caller import Caller
from contracts.commands.my_account import ChangeEmailPreferences, ChangeProfile, SetReceivingPrompt
from contracts.commands.profile import EmailPreferences, GetProfile, Profile
from litestar import Controller, MediaType, Request, Response, get, patch, put
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody
from pydantic import BaseModel, ConfigDict, Field, field_validator

from gateway.auth import (
    BEARER_SECURITY,
    Authentication,
    authenticated_caller,
    authorization_header,
)
from gateway.bus import Bus
from gateway.content import JSON_BODY_LIMIT, Printable, require_json
from gateway.profile_events import follow_identity_events
from gateway.profiles import ProfileCache, encoded


class ProfileChanges(BaseModel):
    """The fields to change; a field left out keeps its value, `phone: null` removes it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    full_name: Printable | None = Field(default=None, min_length=1, max_length=200)
    phone: str | None = Field(
        default=None,
        max_length=40,
        description="Any usual way of writing it; Dutch numbers may leave out +31. Stored in "
        "E.164 (+31612345678). null removes it.",
    )
    language: Literal["nl", "en"] | None = Field(default=None)

    @field_validator("full_name", "language")
    @classmethod
    def _not_removable(cls, value: str | None) -> str | None:
        if value is None:
            raise ValueError("this field cannot be removed; leave it out to keep it")
        return value


def _only_booleans(value: object) -> object:
    # Litestar validates bodies leniently ("no" would become false): a choice must be a boolean.
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


class EmailPreferenceChoices(BaseModel):
    """All six choices at once (PUT replaces the set); security mails are always sent."""

    model_config = ConfigDict(extra="forbid")

    invoice_received: bool
    invoice_sent: bool
    invoice_delivery_failed: bool
    organisation_activated: bool
    receiving_changed: bool
    product_news: bool

    _booleans = field_validator("*", mode="before")(_only_booleans)


class ReceivingPromptChoice(BaseModel):
    """Whether every login asks about receiving e-invoices."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(
        description="false: don't ask again; true: ask again while an organisation does not "
        "receive."
    )

    _booleans = field_validator("*", mode="before")(_only_booleans)


class Profiles:
    """The signed-in users' profiles as the /me routes serve them: identity's answers,
    remembered by the gateway for as long as they are known to be current."""

    def __init__(self, authentication: Authentication, bus: Bus, cache: ProfileCache) -> None:
        self.authentication = authentication
        self.bus = bus
        self.cache = cache

    @classmethod
    def following(cls, bus: Bus, authentication: Authentication) -> Profiles:
        """With a cache kept true by identity's events on `bus` (app wiring)."""
        cache = ProfileCache()
        follow_identity_events(bus, cache)
        return cls(authentication, bus, cache)

    async def read(self, caller: Caller) -> bytes:
        """The caller's profile as a JSON body: remembered, or asked of identity."""
        cached = self.cache.get(caller.user_id)
        if cached is not None:
            return cached.body
        ticket = self.cache.reading(caller.user_id)
        profile = await self.bus.call(GetProfile(caller=caller), Profile)
        kept = self.cache.keep_read(caller.user_id, ticket, profile)
        return encoded(profile) if kept is None else kept.body

    async def change(self, caller: Caller, command: Command) -> Profile:
        """Send a change to identity; the profile it answers is what this gateway shows next."""
        ticket = self.cache.writing(caller.user_id)
        profile: Profile | None = None
        try:
            profile = await self.bus.call(command, Profile)
        finally:
            self.cache.keep_written(caller.user_id, ticket, profile)
        return profile


class MeController(Controller):
    """GET and PATCH /api/v1/me, PUT /api/v1/me/email-preferences and /receiving-prompt."""

    path = "/api/v1/me"
    tags = ["identity"]
    dependencies = {"caller": Provide(authenticated_caller)}
    security = BEARER_SECURITY
    request_max_body_size = JSON_BODY_LIMIT

    @get(
        "/",
        operation_id="getProfile",
        summary="The signed-in user's profile",
        description="Name, phone, language, environment, roles, e-mail preferences and whether "
        "the receiving prompt is on.",
    )
    async def profile(
        self, request: Request[Any, Any, Any], profiles: NamedDependency[Profiles]
    ) -> Response[Profile]:
        """Identity's answer, from the cache while it is known to be current."""
        # One dependency, no `caller`: each more would cost a task per request (Litestar
        # resolves a level of several dependencies in a task group), on the busiest route.
        caller = profiles.authentication.caller(authorization_header(request))
        body = await profiles.read(caller)
        # Already JSON: the body goes out as it is.
        return Response(body, media_type=MediaType.JSON)  # type: ignore[arg-type]

    @patch(
        "/",
        operation_id="changeProfile",
        before_request=require_json,
        summary="Change name, phone or language",
        description="Send only the fields to change. The phone number is checked (Dutch when "
        "no country code is given) and kept in E.164; one that cannot exist is a 422 naming "
        "`phone`. `phone: null` removes it. Answers the whole profile.",
    )
    async def change_profile(
        self,
        data: JSONBody[ProfileChanges],
        caller: NamedDependency[Caller],
        profiles: NamedDependency[Profiles],
    ) -> Profile:
        """Ask identity to record the changes."""
        given = data.model_fields_set
        command = ChangeProfile(
            caller=caller,
            full_name=data.full_name,
            phone=data.phone,
            remove_phone="phone" in given and data.phone is None,
            language=data.language,
        )
        return await profiles.change(caller, command)

    @put(
        "/email-preferences",
        operation_id="setEmailPreferences",
        before_request=require_json,
        summary="Choose which optional e-mails to get",
        description="All six booleans are required: the body replaces the whole set. New users "
        "get everything but product_news. Verification, password reset, invitation and "
        "removed-access mails are always sent. Answers the whole profile.",
    )
    async def set_email_preferences(
        self,
        data: JSONBody[EmailPreferenceChoices],
        caller: NamedDependency[Caller],
        profiles: NamedDependency[Profiles],
    ) -> Profile:
        """Ask identity to record the new set."""
        preferences = EmailPreferences(**data.model_dump())
        command = ChangeEmailPreferences(caller=caller, preferences=preferences)
        return await profiles.change(caller, command)

    @put(
        "/receiving-prompt",
        operation_id="setReceivingPrompt",
        before_request=require_json,
        summary="Switch the receiving prompt at login off or on",
        description="`{enabled: false}`: logins stop asking whether to receive e-invoices "
        '("don\'t ask again"). `{enabled: true}` switches it back on. Answers the whole '
        "profile.",
    )
    async def set_receiving_prompt(
        self,
        data: JSONBody[ReceivingPromptChoice],
        caller: NamedDependency[Caller],
        profiles: NamedDependency[Profiles],
    ) -> Profile:
        """Ask identity to record the choice."""
        command = SetReceivingPrompt(caller=caller, enabled=data.enabled)
        return await profiles.change(caller, command)
