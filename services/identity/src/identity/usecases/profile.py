"""The user's own profile and the receiving prompt, as the API shows them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence

from contracts.commands.profile import EmailPreferences, OrganisationGrant, Profile, Roles
from contracts.commands.sessions import PromptOrganisation, ReceivingPrompt

from identity.application import IdentityApplication
from identity.domain.receiving_prompt import OrganisationReceiving, receiving_prompt
from identity.domain.user import User

OrganisationsOf = Callable[[User], Sequence[OrganisationReceiving]]


def profile_of(user: User) -> Profile:
    """The profile of a user as recorded now."""
    return Profile(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        phone=user.phone,
        language=user.language,
        environment_id=user.environment_id,
        roles=Roles(
            environment=user.role,
            organisations=[
                OrganisationGrant(organisation_id=organisation_id, role=role)
                for organisation_id, role in sorted(
                    user.memberships.items(), key=lambda m: str(m[0])
                )
            ],
        ),
        email_preferences=EmailPreferences(**user.email_preferences),
        receiving_prompt_enabled=user.receiving_prompt_enabled,
    )


def prompt_for(user: User, organisations_of: OrganisationsOf) -> ReceivingPrompt:
    """The receiving prompt for a login, from the organisations the read model knows."""
    decision = receiving_prompt(user, organisations_of(user))
    return ReceivingPrompt(
        show=decision.show,
        organisations=[
            PromptOrganisation(id=o.id, name=o.name, receiving_enabled=o.receiving_enabled)
            for o in decision.organisations
        ],
    )


class Profiles:
    """Reads users for their profile."""

    def __init__(self, app: IdentityApplication) -> None:
        self._app = app

    def profile(self, user_id: uuid.UUID) -> Profile:
        """The profile of one user."""
        return profile_of(self._app.user(user_id))
