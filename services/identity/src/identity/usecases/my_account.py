"""A user changing their own profile, e-mail preferences and receiving prompt."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from contracts.commands.profile import Profile
from servicekit.eventstore import SharedDatabase

from identity.application import IdentityApplication
from identity.usecases.profile import profile_of


class MyAccount:
    """Use cases on the caller's own account; each answers the profile after the change."""

    def __init__(
        self, app: IdentityApplication, database: SharedDatabase, clock: Callable[[], datetime]
    ) -> None:
        self._app = app
        self._db = database
        self._clock = clock

    def change_profile(
        self,
        user_id: uuid.UUID,
        full_name: str | None,
        phone: str | None,
        remove_phone: bool,
        language: str | None,
    ) -> Profile:
        """Change name, phone (already in E.164) or language; unchanged fields record nothing."""
        with self._db.transaction():
            user = self._app.user(user_id)
            if user.change_profile(
                self._clock(),
                full_name=full_name,
                phone=phone,
                remove_phone=remove_phone,
                language=language,
            ):
                self._app.save(user)
            return profile_of(user)

    def change_email_preferences(self, user_id: uuid.UUID, preferences: dict[str, bool]) -> Profile:
        """Replace the user's choice of optional e-mails."""
        with self._db.transaction():
            user = self._app.user(user_id)
            if user.change_email_preferences(preferences, self._clock()):
                self._app.save(user)
            return profile_of(user)

    def set_receiving_prompt(self, user_id: uuid.UUID, enabled: bool) -> Profile:
        """Switch the receiving prompt at login off or back on."""
        with self._db.transaction():
            user = self._app.user(user_id)
            if user.set_receiving_prompt(enabled, self._clock()):
                self._app.save(user)
            return profile_of(user)
