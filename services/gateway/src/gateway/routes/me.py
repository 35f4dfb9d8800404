"""The signed-in user's own profile, e-mail preferences and receiving prompt (API.md, Identity)."""

from __future__ import annotations

from typing import Literal

from contracts.commands.caller import Caller
from contracts.commands.my_account import ChangeEmailPreferences, ChangeProfile, SetReceivingPrompt
from contracts.commands.profile import EmailPreferences, GetProfile, Profile
from litestar import Controller, get, patch, put
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody
from pydantic import BaseModel, ConfigDict, Field, field_validator

from gateway.auth import BEARER_SECURITY, authenticated_caller
from gateway.bus import Bus
from gateway.content import JSON_BODY_LIMIT, require_json


class ProfileChanges(BaseModel):
    """The fields to change; a field left out keeps its value, `phone: null` removes it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    full_name: str | None = Field(default=None, min_length=1, max_length=200)
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
    async def profile(self, caller: NamedDependency[Caller], bus: NamedDependency[Bus]) -> Profile:
        """Read from identity, the owner of the profile."""
        return await bus.call(GetProfile(caller=caller), Profile)

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
        bus: NamedDependency[Bus],
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
        return await bus.call(command, Profile)

    @put(
        "/email-preferences",
        operation_id="setEmailPreferences",
        before_request=require_json,
        summary="Choose which optional e-mails to get",
        description="All six booleans are required: the body replaces the whole set. New users "
        "get everything but product_news. Verification, password reset and invitation mails "
        "are always sent. Answers the whole profile.",
    )
    async def set_email_preferences(
        self,
        data: JSONBody[EmailPreferenceChoices],
        caller: NamedDependency[Caller],
        bus: NamedDependency[Bus],
    ) -> Profile:
        """Ask identity to record the new set."""
        preferences = EmailPreferences(**data.model_dump())
        return await bus.call(
            ChangeEmailPreferences(caller=caller, preferences=preferences), Profile
        )

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
        bus: NamedDependency[Bus],
    ) -> Profile:
        """Ask identity to record the choice."""
        return await bus.call(SetReceivingPrompt(caller=caller, enabled=data.enabled), Profile)
