"""The sessions identity has ended, mirrored from the `revoked_sessions` key-value bucket.

The gateway refuses any access token of a session in this set. Identity writes the bucket when
a session ends (logout, a reused refresh token, a new password); the gateway watches it and
also adds a session at once when it handles the logout or reset itself. An entry only needs to
outlive the session's access tokens, so it is forgotten after the bucket's TTL.
"""

from __future__ import annotations

import asyncio
import time

import structlog
from nats.aio.client import Client
from servicekit.streams import REVOKED_SESSIONS_TTL_SECONDS, revoked_sessions

log = structlog.get_logger(__name__)

_DELETED = ("DEL", "PURGE")


class RevokedSessions:
    """An in-memory set of revoked session ids, kept in step with the bucket."""

    def __init__(self, remember_seconds: float = REVOKED_SESSIONS_TTL_SECONDS) -> None:
        self._revoked: dict[str, float] = {}
        self._remember = remember_seconds
        self._synced = asyncio.Event()

    @property
    def synced(self) -> bool:
        """Whether the bucket's contents have been read at least once."""
        return self._synced.is_set()

    def add(self, session_id: str) -> None:
        """Refuse this session's tokens from now on."""
        now = time.monotonic()
        self._revoked[session_id] = now
        if len(self._revoked) % 1024 == 0:
            self._forget_older_than(now - self._remember)

    def __contains__(self, session_id: object) -> bool:
        return session_id in self._revoked

    async def follow(self, nc: Client, replicas: int = 1) -> None:
        """Watch the bucket for as long as the gateway runs, starting over after any failure."""
        while True:
            try:
                bucket = await revoked_sessions(nc.jetstream(), replicas)
                watcher = await bucket.watchall()
                async for entry in watcher:
                    if entry is None:
                        # The initial values are in: from now on tokens can be judged.
                        self._synced.set()
                    elif entry.operation in _DELETED:
                        self._revoked.pop(entry.key, None)
                    else:
                        self.add(entry.key)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("watching revoked sessions failed; retrying", error=repr(error))
                await asyncio.sleep(1.0)

    def _forget_older_than(self, moment: float) -> None:
        for session_id in [s for s, at in self._revoked.items() if at < moment]:
            del self._revoked[session_id]
