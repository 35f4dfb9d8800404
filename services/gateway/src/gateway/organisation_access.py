"""The check every route about one organisation makes: a dependency named `access`.

A route with an `{organisation_id}` path parameter takes
`dependencies={"access": Provide(organisation_access)}` (or `organisation_administration` when it
changes who may act for the organisation). Identity answers from the caller's memberships and
its read model of organisations: another environment's organisation is 404, missing rights 403.
"""

from __future__ import annotations

from uuid import UUID

from contracts.commands.caller import Caller
from contracts.commands.invitations import AuthoriseOrganisation, OrganisationAccess
from litestar.di import NamedDependency
from litestar.params import FromPath

from gateway.bus import Bus


async def organisation_access(
    organisation_id: FromPath[UUID], caller: NamedDependency[Caller], bus: NamedDependency[Bus]
) -> OrganisationAccess:
    """The caller's role in the organisation of the path; a 404 or 403 problem otherwise."""
    return await bus.call(
        AuthoriseOrganisation(caller=caller, organisation_id=organisation_id), OrganisationAccess
    )


async def organisation_administration(
    organisation_id: FromPath[UUID], caller: NamedDependency[Caller], bus: NamedDependency[Bus]
) -> OrganisationAccess:
    """Like `organisation_access`, for routes only the organisation's admins may use."""
    return await bus.call(
        AuthoriseOrganisation(caller=caller, organisation_id=organisation_id, administer=True),
        OrganisationAccess,
    )
