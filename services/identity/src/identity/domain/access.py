"""Who may act for which organisation: access is per organisation, within one environment.

An environment admin may act for every organisation of the environment; anyone else only for
the organisations they are a member of, and only an organisation's admins invite to it or
revoke access to it. An organisation of another environment is treated as unknown (404), so
nobody learns that another tenant's object exists.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from identity.domain.errors import IdentityError

if TYPE_CHECKING:
    from identity.domain.user import User


class NotFound(IdentityError):
    """The object is unknown, or belongs to another environment (the answer is the same)."""


class NotAllowed(IdentityError):
    """The caller's roles do not allow this; the message names the role that would."""


class NoSuchMembership(NotFound):
    """The user is no member of that organisation."""


def may_act_for(user: User, organisation_id: uuid.UUID) -> bool:
    """Whether the user may work with an organisation of their environment."""
    return user.role == "admin" or organisation_id in user.memberships


def may_administer(user: User, organisation_id: uuid.UUID) -> bool:
    """Whether the user may invite to an organisation of their environment or revoke access."""
    return user.role == "admin" or user.memberships.get(organisation_id) == "admin"


def require_own_organisations(
    user: User, environments_of: Mapping[uuid.UUID, uuid.UUID | None]
) -> None:
    """Every organisation must be known and belong to the user's environment, else NotFound.

    `environments_of` maps each organisation id to its environment, or None when unknown.
    """
    for organisation_id, environment_id in environments_of.items():
        if environment_id != user.environment_id:
            raise NotFound(f"organisation {organisation_id} is not known")


def require_administration(user: User, organisation_ids: Iterable[uuid.UUID]) -> None:
    """The user must administer every organisation (environment admin or their admin)."""
    refused = [str(o) for o in organisation_ids if not may_administer(user, o)]
    if refused:
        raise NotAllowed(
            "only an environment admin or an admin of the organisation may do this; "
            f"you are not an admin of {', '.join(refused)}"
        )


def require_environment_admin(user: User) -> None:
    """Only environment admins may do this."""
    if user.role != "admin":
        raise NotAllowed("only an environment admin may do this")
