"""Inviting people into organisations by mail, and accepting such an invitation.

An invitation to an address that already has an account: accepting it in the same environment
grants the memberships to that account (the token proves the mailbox; the password and name
sent with the acceptance are not used, the account keeps its own). An account in another
environment cannot join this one (one address, one account, one environment): accepting is
refused with `AccountInOtherEnvironment` and the token stays unspent.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from servicekit.eventstore import SharedDatabase
from sqlalchemy.orm import Session

from identity.application import IdentityApplication
from identity.domain.access import require_administration, require_own_organisations
from identity.domain.errors import IdentityError
from identity.domain.indexes import EmailIndex
from identity.domain.invitation import InvalidInvitation, Invitation
from identity.domain.user import User
from identity.domain.values import DEFAULT_EMAIL_PREFERENCES, EnvironmentRole, OrganisationRole
from identity.projections.organisations import KnownOrganisation, find_organisation
from identity.state.credentials import store_password_hash
from identity.state.environment_users import record_environment_user
from identity.state.one_time_tokens import holder_of_token, issue_token, use_token

INVALID = "the invitation link is invalid, used or expired"
IN_OTHER_ENVIRONMENT = (
    "this address already has an account in another environment; sign in there, or ask the "
    "inviter to invite another address"
)

# An invited person starts with the least an environment offers; their access is per
# organisation, through the memberships the invitation grants.
INVITED_USER_ROLE: EnvironmentRole = "basic"


class AccountInOtherEnvironment(IdentityError):
    """The invited address already has an account in another environment."""


@dataclass(frozen=True)
class Prospect:
    """What accepting a token would do: join an existing account, or create one."""

    invitation: Invitation
    existing_user: User | None


@dataclass(frozen=True)
class Offer:
    """What the page an invitation link opens shows: the invitation, whether the address has
    an account here already, and the organisations it still grants, by their names now."""

    invitation: Invitation
    existing_account: bool
    organisation_names: list[str]


@dataclass(frozen=True)
class Acceptance:
    """The user that holds the invitation's memberships now."""

    user_id: uuid.UUID
    environment_id: uuid.UUID
    new_account: bool
    invitation_id: uuid.UUID


class Invitations:
    """Issues invitations and accepts them."""

    def __init__(
        self,
        app: IdentityApplication,
        database: SharedDatabase,
        *,
        seal_token: Callable[[str], str],
        ttl: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self._app = app
        self._db = database
        self._seal_token = seal_token
        self._ttl = ttl
        self._clock = clock

    def invite(
        self,
        inviter_id: uuid.UUID,
        email: str,
        organisation_ids: list[uuid.UUID],
        role: OrganisationRole,
        language: str,
    ) -> Invitation:
        """Record an invitation and its token; NotFound or NotAllowed before anything is written."""
        now = self._clock()
        organisation_ids = list(dict.fromkeys(organisation_ids))
        with self._db.transaction() as session:
            inviter = self._app.user(inviter_id)
            known = {o: find_organisation(session, o) for o in organisation_ids}
            require_own_organisations(
                inviter, {o: (k.environment_id if k else None) for o, k in known.items()}
            )
            require_administration(inviter, organisation_ids)
            token = secrets.token_urlsafe(32)
            expires_at = now + self._ttl
            invitation = Invitation(
                email=email,
                language=language,
                environment_id=inviter.environment_id,
                environment_name=inviter.environment_name,
                organisation_ids=organisation_ids,
                organisation_names=[k.name for k in known.values() if k is not None],
                role=role,
                invited_by=inviter.id,
                inviter_name=inviter.full_name,
                sealed_token=self._seal_token(token),
                expires_at=expires_at,
            )
            issue_token(session, token, "invitation", invitation.id, expires_at)
            self._app.save(invitation)
        return invitation

    def prospect(self, token: str) -> Prospect:
        """What the token would do, without spending it (to check a new password first, or to
        show the invitation on the page its link opens). AccountInOtherEnvironment, as
        accepting would be refused."""
        now = self._clock()
        with self._db.transaction(commit=False) as session:
            invitation = self._open_invitation(session, token, now)
            user = self._app.user_for(invitation.email)
        if user is not None and user.environment_id != invitation.environment_id:
            raise AccountInOtherEnvironment(IN_OTHER_ENVIRONMENT)
        return Prospect(invitation, user)

    def offer(self, token: str) -> Offer:
        """What accepting the token would grant now, without spending it. An organisation that
        moved to another environment since is left out, as accepting leaves it out; an
        invitation with none left is as invalid as accepting would find it."""
        now = self._clock()
        with self._db.transaction(commit=False) as session:
            invitation = self._open_invitation(session, token, now)
            user = self._app.user_for(invitation.email)
            staying = _still_here(session, invitation)
        if user is not None and user.environment_id != invitation.environment_id:
            raise AccountInOtherEnvironment(IN_OTHER_ENVIRONMENT)
        return Offer(invitation, user is not None, [o.name for o in staying])

    def accept(self, token: str, password_hash: str | None, full_name: str) -> Acceptance:
        """Spend the token, create or join the account, grant the memberships."""
        now = self._clock()
        with self._db.transaction() as session:
            # Every check reads before anything is written (see registration.verify_email).
            invitation = self._open_invitation(session, token, now)
            user = self._app.user_for(invitation.email)
            new_account = user is None
            if user is not None and user.environment_id != invitation.environment_id:
                raise AccountInOtherEnvironment(IN_OTHER_ENVIRONMENT)
            if user is None:
                if password_hash is None:
                    raise InvalidInvitation(INVALID)  # an account vanished meanwhile: retry
                user = self._new_user(invitation, full_name, now)
            still_here = [o.id for o in _still_here(session, invitation)]
            invitation.accept(user.id, now)
            if use_token(session, token, "invitation", now) != invitation.id:
                raise InvalidInvitation(INVALID)  # spent by a racing request
            for organisation_id in still_here:
                user.grant_membership(organisation_id, invitation.role, invitation.invited_by, now)
            if new_account:
                assert password_hash is not None
                store_password_hash(session, user.id, password_hash, now)
                record_environment_user(session, user.id, user.environment_id, user.email)
                self._app.save(user, invitation, EmailIndex(email=user.email, user_id=user.id))
            else:
                self._app.save(user, invitation)
        return Acceptance(user.id, user.environment_id, new_account, invitation.id)

    def _open_invitation(self, session: Session, token: str, now: datetime) -> Invitation:
        invitation_id = holder_of_token(session, token, "invitation", now)
        if invitation_id is None:
            raise InvalidInvitation(INVALID)
        try:
            invitation: Any = self._app.repository.get(invitation_id)
        except AggregateNotFoundError as error:
            raise InvalidInvitation(INVALID) from error
        if not isinstance(invitation, Invitation) or invitation.accepted_by is not None:
            raise InvalidInvitation(INVALID)
        return invitation

    def _new_user(self, invitation: Invitation, full_name: str, now: datetime) -> User:
        user = User(
            email=invitation.email,
            full_name=full_name.strip(),
            language=invitation.language,
            environment_id=invitation.environment_id,
            environment_name=invitation.environment_name,
            role=INVITED_USER_ROLE,
            email_preferences=dict(DEFAULT_EMAIL_PREFERENCES),
            receiving_prompt_enabled=True,
        )
        # Following the mailed link proved the address, as a verification link would.
        user.verify_email(now)
        return user


def _still_here(session: Session, invitation: Invitation) -> list[KnownOrganisation]:
    """The invitation's organisations that identity's read model has in its environment now.
    An organisation moved to another environment since is no longer the inviter's to share;
    an invitation whose every organisation left has nothing left to offer (InvalidInvitation)."""
    known = [find_organisation(session, o) for o in invitation.organisation_ids]
    staying = [k for k in known if k is not None and k.environment_id == invitation.environment_id]
    if invitation.organisation_ids and not staying:
        raise InvalidInvitation(INVALID)
    return staying
