"""Operators decide pending activations and move organisations between environments."""

from __future__ import annotations

from uuid import UUID

from contracts.commands.organisations import (
    DecideActivation,
    ListPendingActivations,
    MoveOrganisation,
    Operator,
    Organisation,
    PendingActivations,
)
from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK
from pydantic import BaseModel, ConfigDict, Field, field_validator

from gateway.bus import Bus
from gateway.content import JSON_BODY_LIMIT, require_json
from gateway.operators import OPERATOR_SECURITY, operator


class ActivationDecision(BaseModel):
    """Approve, or refuse with a reason the organisation's admins will read."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    approve: bool
    reason: str | None = Field(default=None, max_length=500)

    @field_validator("approve", mode="before")
    @classmethod
    def _boolean(cls, value: object) -> object:
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value


class Destination(BaseModel):
    """The environment an organisation moves to."""

    model_config = ConfigDict(extra="forbid")

    environment_id: UUID


class OperatorOrganisationController(Controller):
    """/ops/api/...: activations waiting for a decision; moving organisations."""

    path = "/ops/api"
    tags = ["operations"]
    dependencies = {"operator": Provide(operator)}
    security = OPERATOR_SECURITY
    request_max_body_size = JSON_BODY_LIMIT

    @get(
        "/activations",
        operation_id="listPendingActivations",
        summary="Organisations waiting for activation",
        description="Oldest first. Operator token only.",
    )
    async def pending(
        self, operator: NamedDependency[Operator], bus: NamedDependency[Bus]
    ) -> PendingActivations:
        """Ask the organisation service."""
        return await bus.call(ListPendingActivations(operator=operator), PendingActivations)

    @post(
        "/organisations/{organisation_id:uuid}/activation-decision",
        operation_id="decideActivation",
        status_code=HTTP_200_OK,
        before_request=require_json,
        summary="Approve or refuse a pending activation",
        description="Approving activates it (OrganisationActivated); refusing puts it back to "
        "`added` with the reason (ActivationRefused). 409 when nothing is pending.",
    )
    async def decide(
        self,
        organisation_id: UUID,
        data: JSONBody[ActivationDecision],
        operator: NamedDependency[Operator],
        bus: NamedDependency[Bus],
    ) -> Organisation:
        """Ask the organisation service."""
        return await bus.call(
            DecideActivation(
                operator=operator,
                organisation_id=organisation_id,
                approve=data.approve,
                reason=data.reason,
            ),
            Organisation,
        )

    @post(
        "/organisations/{organisation_id:uuid}/move",
        operation_id="moveOrganisation",
        status_code=HTTP_200_OK,
        before_request=require_json,
        summary="Move an organisation to another environment",
        description="With everything it has: every service re-files its data under the new "
        "environment (OrganisationMoved); nothing is deleted.",
    )
    async def move(
        self,
        organisation_id: UUID,
        data: JSONBody[Destination],
        operator: NamedDependency[Operator],
        bus: NamedDependency[Bus],
    ) -> Organisation:
        """Ask the organisation service."""
        return await bus.call(
            MoveOrganisation(
                operator=operator,
                organisation_id=organisation_id,
                environment_id=data.environment_id,
            ),
            Organisation,
        )
