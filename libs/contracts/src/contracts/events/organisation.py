"""Facts the organisation context publishes about organisations.

Identity, notifications, invoicing and the gateway's directory keep read models of
organisations from these. Every event carries the organisation and the environment it belongs
to at that moment; the events that change what the participant directory answers carry what a
directory needs (the organisation's participant ids and name), so a read model never has to ask.
"""

from typing import ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts.events.base import IntegrationEvent
from contracts.vocabulary import BoundedContext

ParticipantScheme = Literal["0106", "9944", "0190"]
"""Peppol ICD of a Dutch identifier: 0106 KvK number, 9944 NL VAT id, 0190 OIN."""

GeneratePdf = Literal["always", "never", "if_missing"]
"""When the platform renders a PDF of an invoice: always, never, or when none is attached."""


class PostalAddress(BaseModel):
    """A postal address as the KvK register or the user gives it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    street: str | None = Field(default=None, description="Street name.")
    house_number: str | None = Field(default=None, description="House number with addition.")
    postal_code: str | None = Field(default=None, description="Postcode, e.g. 1012 AB.")
    city: str | None = Field(default=None, description="Place.")
    country: str = Field(default="NL", description="ISO 3166-1 alpha-2 country code.")


class _AboutOrganisation(BaseModel):
    """The fields every organisation event starts with."""

    organisation_id: UUID = Field(description="The organisation.")
    environment_id: UUID = Field(description="The environment (tenant) it belongs to.")


class OrganisationAdded(IntegrationEvent, _AboutOrganisation):
    """An organisation was added to an environment, from the KvK register or by hand."""

    event_type: ClassVar[str] = "OrganisationAdded"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "organisation"

    name: str = Field(description="The organisation's name.")
    source: Literal["kvk", "manual"] = Field(description="From the KvK register or by hand.")
    kvk_number: str | None = Field(default=None, description="Its KvK number, when known.")
    establishment_number: str | None = Field(
        default=None, description="Its KvK establishment number (vestigingsnummer), when known."
    )
    vat_id: str | None = Field(default=None, description="Its Dutch VAT id, when known.")
    oin: str | None = Field(default=None, description="Its OIN, when known.")
    rsin: str | None = Field(default=None, description="Its RSIN, when the register gives it.")
    legal_form: str | None = Field(default=None, description="Legal form, from the register.")
    address: PostalAddress | None = Field(default=None, description="Its address.")
    added_by: UUID | None = Field(default=None, description="The user who added it.")
    added_at: AwareDatetime = Field(description="When it was added.")


class OrganisationDetailsChanged(IntegrationEvent, _AboutOrganisation):
    """The organisation's name or address changed; the event carries both as they are now."""

    event_type: ClassVar[str] = "OrganisationDetailsChanged"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "organisation"

    name: str = Field(description="The name now.")
    address: PostalAddress | None = Field(default=None, description="The address now.")
    receiving: bool = Field(description="Whether it receives (the directory shows the name).")
    changed_by: UUID | None = Field(default=None, description="The user who changed it.")
    changed_at: AwareDatetime = Field(description="When.")


class IdentifierAdded(IntegrationEvent, _AboutOrganisation):
    """An identifier (KvK number, VAT id or OIN) was added or replaced its earlier value."""

    event_type: ClassVar[str] = "IdentifierAdded"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "organisation"

    scheme: ParticipantScheme = Field(description="0106 KvK, 9944 NL VAT id, 0190 OIN.")
    value: str = Field(description="The identifier, normalised.")
    participant_id: str = Field(description="`<scheme>:<value>`, as the directory knows it.")
    receiving: bool = Field(description="Whether the organisation receives (then it is listed).")
    name: str = Field(description="The organisation's name, for the directory.")
    added_by: UUID | None = Field(default=None, description="The user who added it.")
    added_at: AwareDatetime = Field(description="When.")


class IdentifierRemoved(IntegrationEvent, _AboutOrganisation):
    """An identifier was removed (or replaced by another value of the same scheme)."""

    event_type: ClassVar[str] = "IdentifierRemoved"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "organisation"

    scheme: ParticipantScheme = Field(description="0106 KvK, 9944 NL VAT id, 0190 OIN.")
    value: str = Field(description="The identifier that no longer holds.")
    participant_id: str = Field(description="`<scheme>:<value>`, no longer in the directory.")
    removed_by: UUID | None = Field(default=None, description="The user who removed it.")
    removed_at: AwareDatetime = Field(description="When.")


class ActivationRequested(IntegrationEvent, _AboutOrganisation):
    """Someone asked to activate the organisation; a verifier decides."""

    event_type: ClassVar[str] = "ActivationRequested"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "organisation"

    name: str = Field(description="The organisation's name.")
    kvk_number: str = Field(description="Its KvK number.")
    establishment_number: str | None = Field(default=None, description="Its establishment.")
    requested_by: UUID | None = Field(default=None, description="The user who asked.")
    requested_at: AwareDatetime = Field(description="When.")


class OrganisationActivated(IntegrationEvent, _AboutOrganisation):
    """An organisation was activated: from now on it may send e-invoices."""

    event_type: ClassVar[str] = "OrganisationActivated"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "organisation"

    name: str = Field(default="", description="The organisation's name.")
    approved_by: str = Field(
        default="automatic", description="`automatic`, or the operator who approved it."
    )
    activated_at: AwareDatetime = Field(description="When it was activated.")


class ActivationRefused(IntegrationEvent, _AboutOrganisation):
    """An operator refused the activation; the organisation is back to `added`."""

    event_type: ClassVar[str] = "ActivationRefused"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "organisation"

    reason: str = Field(description="Why, for the organisation's admins.")
    refused_by: str = Field(description="The operator who refused.")
    refused_at: AwareDatetime = Field(description="When.")


class ReceivingEnabled(IntegrationEvent, _AboutOrganisation):
    """An organisation switched receiving e-invoices on and is listed in the directory."""

    event_type: ClassVar[str] = "ReceivingEnabled"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "organisation"

    name: str = Field(default="", description="The organisation's name, for the directory.")
    participant_ids: list[str] = Field(
        default_factory=list, description="Its participant ids now listed (`<scheme>:<value>`)."
    )
    changed_by: UUID | None = Field(default=None, description="The user who switched it on.")
    changed_at: AwareDatetime = Field(description="When receiving was switched on.")


class ReceivingDisabled(IntegrationEvent, _AboutOrganisation):
    """An organisation switched receiving e-invoices off and left the directory."""

    event_type: ClassVar[str] = "ReceivingDisabled"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "organisation"

    participant_ids: list[str] = Field(
        default_factory=list, description="The participant ids no longer listed."
    )
    changed_by: UUID | None = Field(default=None, description="The user who switched it off.")
    changed_at: AwareDatetime = Field(description="When receiving was switched off.")


class PdfOptionsChanged(IntegrationEvent, _AboutOrganisation):
    """The organisation chose when PDFs are made and whether attachments are merged."""

    event_type: ClassVar[str] = "PdfOptionsChanged"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "organisation"

    generate_pdf: GeneratePdf = Field(description="always, never or if_missing.")
    merge_attachments: bool = Field(description="Merge attached PDFs into one document.")
    changed_by: UUID | None = Field(default=None, description="The user who changed them.")
    changed_at: AwareDatetime = Field(description="When.")


class OrganisationMoved(IntegrationEvent, _AboutOrganisation):
    """The organisation moved to another environment, with everything that belongs to it.

    `environment_id` is the new environment. Every service that keeps the organisation's data
    re-files it under the new environment; nothing is deleted.
    """

    event_type: ClassVar[str] = "OrganisationMoved"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "organisation"

    from_environment_id: UUID = Field(description="The environment it left.")
    name: str = Field(description="The organisation's name.")
    moved_by: str = Field(description="The operator who moved it.")
    moved_at: AwareDatetime = Field(description="When.")


EVENTS: tuple[type[IntegrationEvent], ...] = (
    OrganisationAdded,
    OrganisationDetailsChanged,
    IdentifierAdded,
    IdentifierRemoved,
    ActivationRequested,
    OrganisationActivated,
    ActivationRefused,
    ReceivingEnabled,
    ReceivingDisabled,
    PdfOptionsChanged,
    OrganisationMoved,
)

__all__ = [
    "EVENTS",
    "ActivationRefused",
    "ActivationRequested",
    "GeneratePdf",
    "IdentifierAdded",
    "IdentifierRemoved",
    "OrganisationActivated",
    "OrganisationAdded",
    "OrganisationDetailsChanged",
    "OrganisationMoved",
    "ParticipantScheme",
    "PdfOptionsChanged",
    "PostalAddress",
    "ReceivingDisabled",
    "ReceivingEnabled",
]
