"""Commands and queries of the organisation service (API.md, Organisations).

Every command about one organisation names it and the caller; the organisation service answers
404 for an organisation of another environment, whatever the gateway checked before. The
gateway has already checked the caller's role in the organisation (identity's memberships) for
users who are not environment admins.
"""

from typing import ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts.commands.base import Command, ProblemType, Reply
from contracts.commands.caller import Caller
from contracts.events.organisation import GeneratePdf, ParticipantScheme, PostalAddress

OrganisationStatus = Literal["added", "activation_pending", "active"]
"""added, then activation_pending while a verifier decides, then active (it may send)."""


class Identifier(BaseModel):
    """One of the organisation's identifiers, as the Peppol network knows it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scheme: ParticipantScheme = Field(description="0106 KvK number, 9944 NL VAT id, 0190 OIN.")
    value: str = Field(description="The identifier, normalised.")
    participant_id: str = Field(description="`<scheme>:<value>`, the directory's key.")


class PdfOptions(BaseModel):
    """When PDFs are made of the organisation's invoices and what happens to attachments."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    generate_pdf: GeneratePdf = Field(
        default="if_missing",
        description="always, never, or if_missing (only when the invoice carries no PDF).",
    )
    merge_attachments: bool = Field(
        default=False, description="Merge attached PDFs into the invoice's PDF."
    )


class Organisation(Reply):
    """An organisation as the API shows it."""

    id: UUID = Field(description="The organisation's id.")
    environment_id: UUID = Field(description="The environment it belongs to.")
    name: str = Field(description="Its name.")
    source: Literal["kvk", "manual"] = Field(description="From the KvK register or by hand.")
    kvk_number: str | None = Field(description="KvK number (8 digits).")
    establishment_number: str | None = Field(description="Establishment number (12 digits).")
    vat_id: str | None = Field(description="Dutch VAT id (NL + 9 digits + B + 2 digits).")
    oin: str | None = Field(description="OIN (20 digits).")
    rsin: str | None = Field(default=None, description="RSIN (9 digits), from the register.")
    legal_form: str | None = Field(default=None, description="Legal form, from the register.")
    address: PostalAddress | None = Field(description="Its address.")
    status: OrganisationStatus = Field(description="added, activation_pending or active.")
    receiving_enabled: bool = Field(description="Whether it receives e-invoices.")
    identifiers: list[Identifier] = Field(description="Its participant identifiers.")
    pdf_options: PdfOptions = Field(description="Its PDF options.")
    added_at: AwareDatetime = Field(description="When it was added.")


class OrganisationList(Reply):
    """Organisations, by name."""

    organisations: list[Organisation] = Field(description="The organisations.")


class AddOrganisationFromRegister(Command):
    """Add the organisation the KvK register knows under this number."""

    subject: ClassVar[str] = "cmd.organisation.add-from-register"
    reply_model: ClassVar[type[Reply]] = Organisation

    caller: Caller = Field(description="The environment admin adding it.")
    kvk_number: str = Field(description="The KvK number to look up.")


class AddOrganisationByHand(Command):
    """Add an organisation typed in by hand (it cannot be activated)."""

    subject: ClassVar[str] = "cmd.organisation.add-by-hand"
    reply_model: ClassVar[type[Reply]] = Organisation

    caller: Caller = Field(description="The environment admin adding it.")
    name: str = Field(min_length=1, max_length=200, description="Its name.")
    address: PostalAddress = Field(description="Its address.")
    vat_id: str | None = Field(default=None, description="Dutch VAT id.")
    kvk_number: str | None = Field(default=None, description="KvK number.")
    oin: str | None = Field(default=None, description="OIN.")


class GetOrganisation(Command):
    """One organisation of the caller's environment."""

    subject: ClassVar[str] = "qry.organisation.organisation"
    reply_model: ClassVar[type[Reply]] = Organisation

    caller: Caller = Field(description="Who asks.")
    organisation_id: UUID = Field(description="The organisation.")


class ListOrganisations(Command):
    """The organisations of the caller's environment the caller may see."""

    subject: ClassVar[str] = "qry.organisation.organisations"
    reply_model: ClassVar[type[Reply]] = OrganisationList

    caller: Caller = Field(description="Who asks.")
    only: list[UUID] | None = Field(
        default=None,
        description="Only these (a non-admin's memberships); null for the whole environment.",
    )


class ChangeOrganisation(Command):
    """Change name or address; null leaves a field as it is."""

    subject: ClassVar[str] = "cmd.organisation.change"
    reply_model: ClassVar[type[Reply]] = Organisation

    caller: Caller = Field(description="An admin of the organisation.")
    organisation_id: UUID = Field(description="The organisation.")
    name: str | None = Field(default=None, min_length=1, max_length=200, description="Name.")
    address: PostalAddress | None = Field(default=None, description="Address.")


class AddIdentifier(Command):
    """Add an identifier, or replace the value of its scheme."""

    subject: ClassVar[str] = "cmd.organisation.add-identifier"
    reply_model: ClassVar[type[Reply]] = Organisation

    caller: Caller = Field(description="An admin of the organisation.")
    organisation_id: UUID = Field(description="The organisation.")
    scheme: str = Field(description="0106, 9944 or 0190.")
    value: str = Field(max_length=64, description="The identifier as typed.")


class RemoveIdentifier(Command):
    """Remove the identifier of one scheme."""

    subject: ClassVar[str] = "cmd.organisation.remove-identifier"
    reply_model: ClassVar[type[Reply]] = Organisation

    caller: Caller = Field(description="An admin of the organisation.")
    organisation_id: UUID = Field(description="The organisation.")
    scheme: str = Field(description="0106, 9944 or 0190.")


class RequestActivation(Command):
    """Ask to activate the organisation so it may send."""

    subject: ClassVar[str] = "cmd.organisation.request-activation"
    reply_model: ClassVar[type[Reply]] = Organisation

    caller: Caller = Field(description="An admin of the organisation.")
    organisation_id: UUID = Field(description="The organisation.")


class SetReceiving(Command):
    """Switch receiving e-invoices on or off."""

    subject: ClassVar[str] = "cmd.organisation.set-receiving"
    reply_model: ClassVar[type[Reply]] = Organisation

    caller: Caller = Field(description="An admin of the organisation.")
    organisation_id: UUID = Field(description="The organisation.")
    enabled: bool = Field(description="On or off.")


class SetPdfOptions(Command):
    """Choose the PDF options."""

    subject: ClassVar[str] = "cmd.organisation.set-pdf-options"
    reply_model: ClassVar[type[Reply]] = Organisation

    caller: Caller = Field(description="An admin of the organisation.")
    organisation_id: UUID = Field(description="The organisation.")
    options: PdfOptions = Field(description="The new options.")


class RegisterEntry(BaseModel):
    """One hit in the KvK register."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kvk_number: str = Field(description="KvK number.")
    establishment_number: str | None = Field(description="Establishment number, if any.")
    name: str = Field(description="Name.")
    type: str = Field(description="hoofdvestiging, nevenvestiging or rechtspersoon.")
    address: PostalAddress | None = Field(description="Address.")


class RegisterResults(Reply):
    """What the KvK register found."""

    results: list[RegisterEntry] = Field(description="Hits, as the register orders them.")


class SearchRegister(Command):
    """Search the KvK register by name, number and place."""

    subject: ClassVar[str] = "qry.organisation.kvk-search"
    reply_model: ClassVar[type[Reply]] = RegisterResults

    q: str | None = Field(default=None, max_length=200, description="Name (part of it).")
    kvk_number: str | None = Field(default=None, max_length=20, description="KvK number.")
    place: str | None = Field(default=None, max_length=100, description="Place.")
    page: int = Field(default=1, ge=1, le=1000, description="Page.")
    per_page: int = Field(default=10, ge=1, le=100, description="Results per page.")


class Operator(BaseModel):
    """An operator the gateway authenticated by the operator token."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=100, description="Who, for the record.")


class PendingActivations(Reply):
    """Organisations waiting for an operator's decision, oldest first."""

    organisations: list[Organisation] = Field(description="The organisations.")


class ListPendingActivations(Command):
    """What waits for activation."""

    subject: ClassVar[str] = "qry.organisation.pending-activations"
    reply_model: ClassVar[type[Reply]] = PendingActivations

    operator: Operator = Field(description="Who asks.")


class DecideActivation(Command):
    """An operator approves or refuses a pending activation."""

    subject: ClassVar[str] = "cmd.organisation.decide-activation"
    reply_model: ClassVar[type[Reply]] = Organisation

    operator: Operator = Field(description="Who decides.")
    organisation_id: UUID = Field(description="The organisation.")
    approve: bool = Field(description="True approves, false refuses.")
    reason: str | None = Field(default=None, max_length=500, description="Why (refusals).")


class MoveOrganisation(Command):
    """An operator moves an organisation to another environment, with all it has."""

    subject: ClassVar[str] = "cmd.organisation.move"
    reply_model: ClassVar[type[Reply]] = Organisation

    operator: Operator = Field(description="Who moves it.")
    organisation_id: UUID = Field(description="The organisation.")
    environment_id: UUID = Field(description="The environment it goes to.")


ORGANISATION_NOT_FOUND = ProblemType("urn:problem:not-found", "Not found", 404)
NOT_ALLOWED = ProblemType("urn:problem:forbidden", "You may not do this", 403)
CONFLICT = ProblemType("urn:problem:organisation:conflict", "This conflicts with the state", 409)
INVALID_IDENTIFIER = ProblemType(
    "urn:problem:organisation:invalid-identifier", "An identifier is not valid", 422
)
UNKNOWN_KVK_NUMBER = ProblemType(
    "urn:problem:organisation:unknown-kvk-number", "The KvK register does not know this number", 422
)
REGISTER_UNAVAILABLE = ProblemType(
    "urn:problem:organisation:register-unavailable", "The KvK register cannot answer now", 503
)
VAT_CHECK_UNAVAILABLE = ProblemType(
    "urn:problem:organisation:vat-check-unavailable", "The VAT registry cannot answer now", 503
)
REGISTER_REFUSED = ProblemType(
    "urn:problem:organisation:register-refused", "The KvK register refused the question", 422
)


PEPPOL_DOCUMENT_TYPES: tuple[str, ...] = (
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##"
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1",
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote##"
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1",
)
"""What every receiving organisation accepts: Peppol BIS Billing 3.0 invoices and credit notes."""


class Participant(Reply):
    """A receiving participant, as a network lookup answers."""

    participant_id: str = Field(description="`<scheme>:<value>`, e.g. 0106:69599084.")
    name: str = Field(description="The receiving organisation's name.")
    receiving: bool = Field(description="Always true: only receivers are listed.")
    document_types: list[str] = Field(description="The document types it accepts.")
    organisation_id: UUID = Field(description="The receiving organisation (where to deliver).")


class LookupParticipant(Command):
    """Who receives on this participant id? 404 when nobody does."""

    subject: ClassVar[str] = "qry.organisation.participant"
    reply_model: ClassVar[type[Reply]] = Participant

    participant_id: str = Field(max_length=100, description="`<scheme>:<value>`.")
