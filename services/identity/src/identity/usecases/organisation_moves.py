"""An organisation moved to another environment: its members follow it, or lose access to it.

Runs inside the consumer's transaction for `OrganisationMoved`, right after the read model has
filed the organisation under its new environment, so the users' events, the state rows and the
consumer's tracking record commit together. Written so that running it twice for one move
changes nothing the second time: who followed is no longer in the old environment, and who lost
access is no longer a member.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from contracts.events.organisation import OrganisationMoved
from sqlalchemy.orm import Session

from identity.application import IdentityApplication
from identity.domain.user import User
from identity.domain.values import operator_actor_id
from identity.state.environment_users import move_environment_user, users_in_environment
from identity.state.sessions import revoke_all_sessions

SESSION_END_REASON = "environment-move"


@dataclass
class MembersFollowed:
    """What a move did to the organisation's members."""

    moved: list[uuid.UUID] = field(default_factory=list)
    revoked: list[uuid.UUID] = field(default_factory=list)
    sessions_ended: list[uuid.UUID] = field(default_factory=list)


class OrganisationMoves:
    """Takes the members of a moved organisation along, or ends their access to it."""

    def __init__(self, app: IdentityApplication, clock: Callable[[], datetime]) -> None:
        self._app = app
        self._clock = clock

    def members_follow(self, session: Session, moved: OrganisationMoved) -> MembersFollowed:
        """Move who works only for this organisation; revoke the membership of everyone else.

        Environment admins of the new environment need nothing: they reach every organisation
        of their environment already.
        """
        outcome = MembersFollowed()
        if moved.environment_id == moved.from_environment_id:
            return outcome
        members = self._members_left_behind(session, moved)
        if not members:
            return outcome
        environment_name = self._name_of_environment(session, moved.environment_id)
        for user in members:
            if user.may_follow(moved.organisation_id):
                user.follow_organisation(
                    moved.organisation_id,
                    moved.environment_id,
                    environment_name or user.environment_name,
                    moved.moved_at,
                )
                move_environment_user(session, user.id, moved.environment_id)
                # Their access tokens name the old environment: every session ends, and the
                # user signs in again into the new one.
                outcome.sessions_ended += revoke_all_sessions(
                    session, user.id, SESSION_END_REASON, self._clock()
                )
                outcome.moved.append(user.id)
            else:
                user.revoke_membership(
                    moved.organisation_id, operator_actor_id(moved.moved_by), moved.moved_at
                )
                outcome.revoked.append(user.id)
        self._app.save(*members)
        return outcome

    def _members_left_behind(self, session: Session, moved: OrganisationMoved) -> list[User]:
        """The old environment's users who are still members of the organisation."""
        # Memberships live in the user aggregates, so every user of the old environment is read:
        # moves are rare operator actions, and an environment's users are few enough for that.
        user_ids = users_in_environment(session, moved.from_environment_id)
        users = (self._app.user(user_id) for user_id in user_ids)
        return [
            user
            for user in users
            if user.environment_id == moved.from_environment_id
            and moved.organisation_id in user.memberships
        ]

    def _name_of_environment(self, session: Session, environment_id: uuid.UUID) -> str | None:
        """The new environment's name as its users know it; None when identity knows no user."""
        for user_id in users_in_environment(session, environment_id):
            return self._app.user(user_id).environment_name
        return None
