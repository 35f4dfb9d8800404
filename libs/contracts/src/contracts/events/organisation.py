"""Facts the organisation context publishes about organisations.

Identity, notifications and invoicing keep read models of organisations from these; the
organisation service publishes them (its own issue builds the commands behind them).
"""

from typing import ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from contracts.events.base import IntegrationEvent
from contracts.vocabulary import BoundedContext


class OrganisationAdded(IntegrationEvent):
    """An organisation was added to an environment, from the KvK register or by hand."""

    event_type: ClassVar[str] = "OrganisationAdded"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "organisation"

    organisation_id: UUID = Field(description="The id of the new organisation.")
    environment_id: UUID = Field(description="The environment (tenant) it belongs to.")
    name: str = Field(description="The organisation's name.")
    source: Literal["kvk", "manual"] = Field(description="From the KvK register or by hand.")
    kvk_number: str | None = Field(default=None, description="Its KvK number, when known.")
    added_by: UUID | None = Field(default=None, description="The user who added it.")
    added_at: AwareDatetime = Field(description="When it was added.")


class OrganisationActivated(IntegrationEvent):
    """An organisation was activated: from now on it may send e-invoices."""

    event_type: ClassVar[str] = "OrganisationActivated"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "organisation"

    organisation_id: UUID = Field(description="The organisation that was activated.")
    environment_id: UUID = Field(description="The environment it belongs to.")
    activated_at: AwareDatetime = Field(description="When it was activated.")


class ReceivingEnabled(IntegrationEvent):
    """An organisation switched receiving e-invoices on (and was registered in the directory)."""

    event_type: ClassVar[str] = "ReceivingEnabled"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "organisation"

    organisation_id: UUID = Field(description="The organisation that now receives.")
    environment_id: UUID = Field(description="The environment it belongs to.")
    changed_by: UUID | None = Field(default=None, description="The user who switched it on.")
    changed_at: AwareDatetime = Field(description="When receiving was switched on.")


class ReceivingDisabled(IntegrationEvent):
    """An organisation switched receiving e-invoices off."""

    event_type: ClassVar[str] = "ReceivingDisabled"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "organisation"

    organisation_id: UUID = Field(description="The organisation that no longer receives.")
    environment_id: UUID = Field(description="The environment it belongs to.")
    changed_by: UUID | None = Field(default=None, description="The user who switched it off.")
    changed_at: AwareDatetime = Field(description="When receiving was switched off.")


EVENTS: tuple[type[IntegrationEvent], ...] = (
    OrganisationAdded,
    OrganisationActivated,
    ReceivingEnabled,
    ReceivingDisabled,
)

__all__ = [
    "EVENTS",
    "OrganisationActivated",
    "OrganisationAdded",
    "ReceivingDisabled",
    "ReceivingEnabled",
]
