"""Recording a user's new photo (stored in the blob store already) and finding it again."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from servicekit.eventstore import SharedDatabase

from identity.application import IdentityApplication


class Photos:
    """The reference to each user's photo lives on their aggregate, recorded as PhotoChanged."""

    def __init__(
        self, app: IdentityApplication, database: SharedDatabase, clock: Callable[[], datetime]
    ) -> None:
        self._app = app
        self._db = database
        self._clock = clock

    def record(self, user_id: uuid.UUID, reference: dict[str, object]) -> dict[str, object] | None:
        """Point the user at a stored photo; the reference it replaced, if any."""
        with self._db.transaction():
            user = self._app.user(user_id)
            previous = user.photo
            if not user.change_photo(reference, self._clock()):
                return None
            self._app.save(user)
        return previous

    def reference(self, user_id: uuid.UUID) -> dict[str, object] | None:
        """Where the user's photo is stored, or None without one."""
        photo = self._app.user(user_id).photo
        return None if photo is None else dict(photo)
