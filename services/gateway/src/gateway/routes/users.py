"""The users of an environment and their access to organisations (API.md, Identity)."""

from __future__ import annotations

from uuid import UUID

from contracts.commands.caller import Caller
from contracts.commands.invitations import (
    ListUsers,
    MembershipRevokedReply,
    RevokeMembership,
    UserList,
)
from litestar import Controller, delete, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath

from gateway.auth import BEARER_SECURITY, authenticated_caller
from gateway.bus import Bus


class UserController(Controller):
    """GET /api/v1/users and DELETE /api/v1/users/{user_id}/memberships/{organisation_id}."""

    path = "/api/v1/users"
    tags = ["identity"]
    dependencies = {"caller": Provide(authenticated_caller)}
    security = BEARER_SECURITY

    @get(
        "/",
        operation_id="listUsers",
        summary="The users of your environment with their roles and memberships",
        description="To environment admins, every user; to admins of organisations, the members "
        "of those organisations with only those memberships; others get 403.",
    )
    async def users(self, caller: NamedDependency[Caller], bus: NamedDependency[Bus]) -> UserList:
        """Read from identity."""
        return await bus.call(ListUsers(caller=caller), UserList)

    @delete(
        "/{user_id:uuid}/memberships/{organisation_id:uuid}",
        status_code=204,
        operation_id="revokeMembership",
        summary="End a user's access to an organisation",
        description="For environment admins and admins of that organisation (403 otherwise). "
        "A user or organisation of another environment, or no such membership, answers 404.",
    )
    async def revoke(
        self,
        user_id: FromPath[UUID],
        organisation_id: FromPath[UUID],
        caller: NamedDependency[Caller],
        bus: NamedDependency[Bus],
    ) -> None:
        """Ask identity to revoke the membership."""
        await bus.call(
            RevokeMembership(caller=caller, user_id=user_id, organisation_id=organisation_id),
            MembershipRevokedReply,
        )
