"""The signed-in user's own profile, as GET /api/v1/me and the login answer show it."""

from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.commands.base import Command, Reply
from contracts.commands.caller import Caller
from contracts.vocabulary import EnvironmentRole, Language, OrganisationRole


class EmailPreferences(BaseModel):
    """Which optional e-mails the user wants; security mails are always sent."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    invoice_received: bool = Field(default=True, description="An invoice arrived.")
    invoice_sent: bool = Field(default=True, description="An invoice went out.")
    invoice_delivery_failed: bool = Field(default=True, description="A delivery failed.")
    organisation_activated: bool = Field(default=True, description="An organisation may send.")
    receiving_changed: bool = Field(default=True, description="Receiving was switched on/off.")
    product_news: bool = Field(default=False, description="News about the product.")


class OrganisationGrant(BaseModel):
    """The user's role in one organisation of their environment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    organisation_id: UUID = Field(description="The organisation.")
    role: OrganisationRole = Field(description="Their role in it.")


class Roles(BaseModel):
    """What the user may do: in the environment, and per organisation."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    environment: EnvironmentRole = Field(description="Their role in the environment.")
    organisations: list[OrganisationGrant] = Field(
        default_factory=list, description="Organisations they were given access to."
    )


class Profile(Reply):
    """A user's own profile."""

    id: UUID = Field(description="The user's id.")
    email: str = Field(description="The address they sign in with.")
    full_name: str = Field(description="Their full name.")
    phone: str | None = Field(default=None, description="Their phone number, if given.")
    language: Language = Field(description="The language of the product and its mails.")
    environment_id: UUID = Field(description="The environment (tenant) they belong to.")
    roles: Roles = Field(description="What they may do.")
    email_preferences: EmailPreferences = Field(description="Which optional mails they get.")
    receiving_prompt_enabled: bool = Field(
        description="Whether every login asks about receiving e-invoices."
    )


class GetProfile(Command):
    """The caller's own profile."""

    subject: ClassVar[str] = "qry.identity.profile"
    reply_model: ClassVar[type[Reply]] = Profile

    caller: Caller = Field(description="The authenticated user asking.")


__all__ = ["EmailPreferences", "GetProfile", "OrganisationGrant", "Profile", "Roles"]
