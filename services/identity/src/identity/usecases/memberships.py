"""The users of an environment as its administrators see them, and ending someone's access."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from servicekit.eventstore import SharedDatabase

from identity.application import IdentityApplication
from identity.domain.access import (
    NotAllowed,
    NotFound,
    may_act_for,
    may_administer,
    require_administration,
    require_environment_admin,
    require_own_organisations,
)
from identity.domain.user import User
from identity.domain.values import OrganisationRole
from identity.projections.organisations import find_organisation
from identity.state.environment_users import users_in_environment


class Memberships:
    """Lists an environment's users and revokes their access to organisations."""

    def __init__(
        self, app: IdentityApplication, database: SharedDatabase, clock: Callable[[], datetime]
    ) -> None:
        self._app = app
        self._db = database
        self._clock = clock

    def users_of_environment(
        self, caller_id: uuid.UUID
    ) -> tuple[list[User], frozenset[uuid.UUID] | None]:
        """The users the caller may see, and the organisations whose memberships they may see
        (None: all). An environment admin sees every user of the environment; an admin of
        organisations sees their members (and only those memberships), so they can find whom
        to revoke; anyone else is refused."""
        caller = self._app.user(caller_id)
        administered = frozenset(
            organisation_id
            for organisation_id, role in caller.memberships.items()
            if role == "admin"
        )
        if caller.role != "admin" and not administered:
            require_environment_admin(caller)
        with self._db.transaction(commit=False) as session:
            user_ids = users_in_environment(session, caller.environment_id)
        users = [self._app.user(user_id) for user_id in user_ids]
        if caller.role == "admin":
            return users, None
        return [user for user in users if administered & set(user.memberships)], administered

    def revoke(self, caller_id: uuid.UUID, user_id: uuid.UUID, organisation_id: uuid.UUID) -> None:
        """End a user's access to an organisation; another tenant's user or organisation is 404."""
        now = self._clock()
        with self._db.transaction() as session:
            caller = self._app.user(caller_id)
            user = self._user_in_environment(user_id, caller.environment_id)
            known = find_organisation(session, organisation_id)
            require_own_organisations(
                caller, {organisation_id: known.environment_id if known else None}
            )
            require_administration(caller, [organisation_id])
            user.revoke_membership(organisation_id, caller.id, now)
            self._app.save(user)

    def access(
        self, caller_id: uuid.UUID, organisation_id: uuid.UUID, administer: bool
    ) -> OrganisationRole:
        """The caller's effective role in an organisation; NotFound or NotAllowed otherwise."""
        caller = self._app.user(caller_id)
        with self._db.transaction(commit=False) as session:
            known = find_organisation(session, organisation_id)
        require_own_organisations(
            caller, {organisation_id: known.environment_id if known else None}
        )
        if administer:
            require_administration(caller, [organisation_id])
        elif not may_act_for(caller, organisation_id):
            raise NotAllowed("you are no member of this organisation; ask one of its admins")
        return "admin" if may_administer(caller, organisation_id) else "member"

    def _user_in_environment(self, user_id: uuid.UUID, environment_id: uuid.UUID) -> User:
        try:
            user: Any = self._app.repository.get(user_id)
        except AggregateNotFoundError:
            user = None
        if not isinstance(user, User) or user.environment_id != environment_id:
            raise NotFound(f"user {user_id} is not known")
        return user
