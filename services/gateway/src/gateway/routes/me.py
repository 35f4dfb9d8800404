"""The signed-in user's own profile (API.md, Identity)."""

from __future__ import annotations

from contracts.commands.caller import Caller
from contracts.commands.profile import GetProfile, Profile
from litestar import Controller, get
from litestar.di import NamedDependency, Provide

from gateway.auth import BEARER_SECURITY, authenticated_caller
from gateway.bus import Bus


class MeController(Controller):
    """GET /api/v1/me."""

    path = "/api/v1/me"
    tags = ["identity"]
    dependencies = {"caller": Provide(authenticated_caller)}
    security = BEARER_SECURITY

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
