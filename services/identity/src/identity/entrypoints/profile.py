"""qry.identity.profile."""

from __future__ import annotations

from contracts.commands.profile import GetProfile, Profile

from identity.bootstrap import Identity


class ProfileHandlers:
    """The caller's own profile."""

    def __init__(self, identity: Identity) -> None:
        self._identity = identity

    async def profile(self, query: GetProfile) -> Profile:
        """The profile of the authenticated caller, read from their aggregate."""
        profile: Profile = await self._identity.executor.run(
            self._identity.profiles.profile, query.caller.user_id
        )
        return profile
