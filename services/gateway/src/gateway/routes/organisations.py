"""Organisations, the KvK register and the participant directory (API.md, Organisations).

The organisation service answers 404 for an organisation of another environment. For a user who
is not an environment admin, the gateway first asks identity whether they are a member (or an
admin, for changes) of the organisation in the path: rights live with identity.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from contracts.commands.caller import Caller
from contracts.commands.invitations import AuthoriseOrganisation, OrganisationAccess
from contracts.commands.organisations import (
    AddIdentifier,
    AddOrganisationByHand,
    AddOrganisationFromRegister,
    ChangeOrganisation,
    GetOrganisation,
    ListOrganisations,
    Organisation,
    OrganisationList,
    PdfOptions,
    RegisterResults,
    RemoveIdentifier,
    RequestActivation,
    SearchRegister,
    SetPdfOptions,
    SetReceiving,
)
from contracts.commands.profile import GetProfile, Profile
from contracts.events.organisation import PostalAddress
from litestar import Controller, Response, delete, get, patch, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from gateway.auth import BEARER_SECURITY, authenticated_caller
from gateway.bus import Bus
from gateway.content import JSON_BODY_LIMIT, Printable, printable_query, require_json
from gateway.problems import Problem


async def organisation_member(
    organisation_id: FromPath[UUID], caller: NamedDependency[Caller], bus: NamedDependency[Bus]
) -> Caller:
    """The caller, when they may see the organisation of the path."""
    if caller.role != "admin":
        await bus.call(
            AuthoriseOrganisation(caller=caller, organisation_id=organisation_id),
            OrganisationAccess,
        )
    return caller


async def organisation_admin(
    organisation_id: FromPath[UUID], caller: NamedDependency[Caller], bus: NamedDependency[Bus]
) -> Caller:
    """The caller, when they may change the organisation of the path."""
    if caller.role != "admin":
        await bus.call(
            AuthoriseOrganisation(caller=caller, organisation_id=organisation_id, administer=True),
            OrganisationAccess,
        )
    return caller


def _only_booleans(value: object) -> object:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


class AddressInput(BaseModel):
    """A postal address."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    street: Printable | None = Field(default=None, max_length=200)
    house_number: Printable | None = Field(default=None, max_length=20)
    postal_code: Printable | None = Field(default=None, max_length=20)
    city: Printable = Field(min_length=1, max_length=100)
    country: str = Field(default="NL", pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")


class NewOrganisation(BaseModel):
    """`{kvk_number}` alone: filled in from the KvK register. Otherwise by hand: `name` and
    `address`, with `vat_id`, `kvk_number` and `oin` where known."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kvk_number: str | None = Field(default=None, max_length=20, description="KvK number")
    name: Printable | None = Field(default=None, min_length=1, max_length=200)
    address: AddressInput | None = None
    vat_id: str | None = Field(default=None, max_length=20, description="NL VAT id")
    oin: str | None = Field(default=None, max_length=30, description="OIN (20 digits)")

    @model_validator(mode="after")
    def _one_way_or_the_other(self) -> NewOrganisation:
        by_hand = self.name is not None or self.address is not None
        if not by_hand and self.kvk_number is None:
            raise ValueError("send {kvk_number} to add from the KvK register, or name and address")
        if by_hand and (self.name is None or self.address is None):
            raise ValueError("an organisation added by hand needs both name and address")
        if not by_hand and (self.vat_id is not None or self.oin is not None):
            raise ValueError(
                "from the register, send kvk_number alone; add vat_id or oin afterwards "
                "as identifiers"
            )
        return self


class OrganisationChanges(BaseModel):
    """Name and/or address; a field left out stays as it is."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Printable | None = Field(default=None, min_length=1, max_length=200)
    address: AddressInput | None = None


class NewIdentifier(BaseModel):
    """A participant identifier."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    scheme: Literal["0106", "9944", "0190"] = Field(
        description="0106 KvK number, 9944 Dutch VAT id, 0190 OIN"
    )
    value: str = Field(min_length=1, max_length=64, description="The identifier")


class ReceivingChoice(BaseModel):
    """Whether the organisation receives e-invoices."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool

    _booleans = field_validator("enabled", mode="before")(_only_booleans)


class PdfOptionsChoice(BaseModel):
    """When PDFs are made and whether attachments are merged into them."""

    model_config = ConfigDict(extra="forbid")

    generate_pdf: Literal["always", "never", "if_missing"]
    merge_attachments: bool

    _booleans = field_validator("merge_attachments", mode="before")(_only_booleans)


def _postal(address: AddressInput | None) -> PostalAddress | None:
    return None if address is None else PostalAddress(**address.model_dump())


async def add_organisation(data: NewOrganisation, caller: Caller, bus: Bus) -> Organisation:
    """Add one from the register or by hand (the API's and the web pages' way)."""
    if data.name is None:
        assert data.kvk_number is not None
        return await bus.call(
            AddOrganisationFromRegister(caller=caller, kvk_number=data.kvk_number),
            Organisation,
        )
    address = _postal(data.address)
    assert address is not None
    return await bus.call(
        AddOrganisationByHand(
            caller=caller,
            name=data.name,
            address=address,
            vat_id=data.vat_id,
            kvk_number=data.kvk_number,
            oin=data.oin,
        ),
        Organisation,
    )


async def visible_organisations(caller: Caller, bus: Bus) -> OrganisationList:
    """Members see their organisations; admins the whole environment."""
    only = None
    if caller.role != "admin":
        profile = await bus.call(GetProfile(caller=caller), Profile)
        only = [grant.organisation_id for grant in profile.roles.organisations]
    return await bus.call(ListOrganisations(caller=caller, only=only), OrganisationList)


class RegisterController(Controller):
    """GET /api/v1/kvk/search."""

    path = "/api/v1/kvk"
    tags = ["organisations"]
    dependencies = {"caller": Provide(authenticated_caller)}
    security = BEARER_SECURITY

    @get(
        "/search",
        operation_id="searchKvk",
        summary="Search the KvK register",
        description="By (part of) the name `q`, by `kvk_number` and/or by `place`. The "
        "register being unreachable is a 503 with Retry-After; nothing found is an empty list.",
    )
    async def search(
        self,
        caller: NamedDependency[Caller],
        bus: NamedDependency[Bus],
        q: Annotated[str | None, Parameter(max_length=200)] = None,
        kvk_number: Annotated[str | None, Parameter(max_length=20)] = None,
        place: Annotated[str | None, Parameter(max_length=100)] = None,
        page: Annotated[int, Parameter(ge=1, le=1000)] = 1,
        per_page: Annotated[int, Parameter(ge=1, le=100)] = 10,
    ) -> RegisterResults:
        """Ask the organisation service, which holds the register adapter."""
        printable_query(q=q, kvk_number=kvk_number, place=place)
        if not any(((q or "").strip(), (kvk_number or "").strip(), (place or "").strip())):
            raise Problem(
                422,
                "urn:problem:invalid-request",
                "The request is not valid",
                "Search by at least one of q (name), kvk_number or place.",
                errors=[{"field": "q", "message": "give q, kvk_number or place"}],
            )
        return await bus.call(
            SearchRegister(q=q, kvk_number=kvk_number, place=place, page=page, per_page=per_page),
            RegisterResults,
        )


class OrganisationController(Controller):
    """Organisations of the caller's environment."""

    path = "/api/v1/organisations"
    tags = ["organisations"]
    dependencies = {"caller": Provide(authenticated_caller)}
    security = BEARER_SECURITY
    request_max_body_size = JSON_BODY_LIMIT

    @post(
        "/",
        operation_id="addOrganisation",
        status_code=HTTP_201_CREATED,
        before_request=require_json,
        summary="Add an organisation",
        description="`{kvk_number}`: looked up in the KvK register and filled in from it "
        "(name, address, establishment number, legal form, RSIN); an unknown number is a 422, "
        "the register unreachable a 503. Or by hand: `name`, `address` and optionally "
        "`vat_id`, `kvk_number`, `oin`, each checked (422 names the failed check). Only "
        "environment admins add organisations. A hand-made organisation cannot be activated.",
    )
    async def add(
        self,
        data: JSONBody[NewOrganisation],
        caller: NamedDependency[Caller],
        bus: NamedDependency[Bus],
    ) -> Response[Organisation]:
        """From the register or by hand."""
        added = await add_organisation(data, caller, bus)
        location = f"/api/v1/organisations/{added.id}"
        return Response(added, status_code=HTTP_201_CREATED, headers={"Location": location})

    @get(
        "/",
        operation_id="listOrganisations",
        summary="The organisations you may see",
        description="Every organisation of the environment for its admins; the organisations "
        "you are a member of otherwise. By name.",
    )
    async def organisations(
        self, caller: NamedDependency[Caller], bus: NamedDependency[Bus]
    ) -> OrganisationList:
        """Members see their organisations; admins the whole environment."""
        return await visible_organisations(caller, bus)

    @get(
        "/{organisation_id:uuid}",
        operation_id="getOrganisation",
        dependencies={"member": Provide(organisation_member)},
        summary="One organisation",
        description="Its details, identifiers, status, receiving and PDF options. Another "
        "environment's organisation is 404.",
    )
    async def organisation(
        self, organisation_id: UUID, member: NamedDependency[Caller], bus: NamedDependency[Bus]
    ) -> Organisation:
        """Read from the organisation service."""
        return await bus.call(
            GetOrganisation(caller=member, organisation_id=organisation_id), Organisation
        )

    @patch(
        "/{organisation_id:uuid}",
        operation_id="changeOrganisation",
        before_request=require_json,
        dependencies={"admin": Provide(organisation_admin)},
        summary="Change name or address",
        description="Send the fields to change. Identifiers have their own route.",
    )
    async def change(
        self,
        organisation_id: UUID,
        data: JSONBody[OrganisationChanges],
        admin: NamedDependency[Caller],
        bus: NamedDependency[Bus],
    ) -> Organisation:
        """Ask the organisation service to record the change."""
        return await bus.call(
            ChangeOrganisation(
                caller=admin,
                organisation_id=organisation_id,
                name=data.name,
                address=_postal(data.address),
            ),
            Organisation,
        )

    @post(
        "/{organisation_id:uuid}/identifiers",
        operation_id="addIdentifier",
        before_request=require_json,
        dependencies={"admin": Provide(organisation_admin)},
        summary="Add an identifier",
        description="`scheme` 0106 (KvK number, 8 digits), 9944 (Dutch VAT id, NL + 9 digits + "
        "B + 2 digits, classic or the 2020 sole-trader form) or 0190 (OIN, 20 digits). A value "
        "of a scheme the organisation has replaces the old one. An invalid value is a 422 "
        "naming the check that failed (`errors[].rule`) and the expected form. A VAT id is "
        "also checked with the VAT registry (VIES).",
    )
    async def add_identifier(
        self,
        organisation_id: UUID,
        data: JSONBody[NewIdentifier],
        admin: NamedDependency[Caller],
        bus: NamedDependency[Bus],
    ) -> Organisation:
        """Checked and recorded by the organisation service."""
        return await bus.call(
            AddIdentifier(
                caller=admin, organisation_id=organisation_id, scheme=data.scheme, value=data.value
            ),
            Organisation,
        )

    @delete(
        "/{organisation_id:uuid}/identifiers/{scheme:str}",
        operation_id="removeIdentifier",
        status_code=HTTP_200_OK,
        dependencies={"admin": Provide(organisation_admin)},
        summary="Remove an identifier",
        description="The KvK number of an organisation from the register stays (409).",
    )
    async def remove_identifier(
        self,
        organisation_id: UUID,
        scheme: Annotated[str, Parameter(max_length=100)],
        admin: NamedDependency[Caller],
        bus: NamedDependency[Bus],
    ) -> Organisation:
        """Recorded by the organisation service."""
        return await bus.call(
            RemoveIdentifier(caller=admin, organisation_id=organisation_id, scheme=scheme),
            Organisation,
        )

    @post(
        "/{organisation_id:uuid}/activation",
        operation_id="activateOrganisation",
        status_code=HTTP_202_ACCEPTED,
        dependencies={"admin": Provide(organisation_admin)},
        summary="Activate, so it may send",
        description="202 with status `activation_pending` (an operator verifies) or `active` "
        "(verification is automatic). Only an organisation from the KvK register can be "
        "activated: one added by hand is a 409 saying what to do. A KvK number with its "
        "establishment number is active in one environment at a time (409 otherwise).",
    )
    async def activate(
        self, organisation_id: UUID, admin: NamedDependency[Caller], bus: NamedDependency[Bus]
    ) -> Organisation:
        """Ask the organisation service."""
        return await bus.call(
            RequestActivation(caller=admin, organisation_id=organisation_id), Organisation
        )

    @put(
        "/{organisation_id:uuid}/receiving",
        operation_id="setReceiving",
        before_request=require_json,
        dependencies={"admin": Provide(organisation_admin)},
        summary="Switch receiving e-invoices on or off",
        description="On lists the organisation's participant ids in the directory; off "
        "removes them. Only an active organisation can receive (409 otherwise).",
    )
    async def set_receiving(
        self,
        organisation_id: UUID,
        data: JSONBody[ReceivingChoice],
        admin: NamedDependency[Caller],
        bus: NamedDependency[Bus],
    ) -> Organisation:
        """Ask the organisation service."""
        return await bus.call(
            SetReceiving(caller=admin, organisation_id=organisation_id, enabled=data.enabled),
            Organisation,
        )

    @put(
        "/{organisation_id:uuid}/pdf-options",
        operation_id="setPdfOptions",
        before_request=require_json,
        dependencies={"admin": Provide(organisation_admin)},
        summary="Choose the PDF options",
        description="`generate_pdf`: always, never or if_missing; `merge_attachments`: merge "
        "attached PDFs into the invoice's PDF.",
    )
    async def set_pdf_options(
        self,
        organisation_id: UUID,
        data: JSONBody[PdfOptionsChoice],
        admin: NamedDependency[Caller],
        bus: NamedDependency[Bus],
    ) -> Organisation:
        """Ask the organisation service."""
        return await bus.call(
            SetPdfOptions(
                caller=admin,
                organisation_id=organisation_id,
                options=PdfOptions(**data.model_dump()),
            ),
            Organisation,
        )
