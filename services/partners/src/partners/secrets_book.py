"""Webhook secrets in use: opened from their sealed form once, kept in memory."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from servicekit.sealing import open_sealed, public_key_of, seal


class SecretBook:
    """Opens secrets the gateway sealed to this service (and that rest sealed in its tables)."""

    def __init__(self, private_key: str) -> None:
        self._private_key = private_key
        self.public_key = public_key_of(private_key)
        self._opened: dict[str, str] = {}

    def open(self, sealed: str) -> str:
        """The secret inside; SealedSecretError when it was not sealed to us."""
        secret = self._opened.get(sealed)
        if secret is None:
            secret = open_sealed(self._private_key, sealed)
            if len(self._opened) > 10_000:
                self._opened.clear()
            self._opened[sealed] = secret
        return secret

    def seal(self, secret: str) -> str:
        """Seal a secret to ourselves (tests and tools)."""
        return seal(self.public_key, secret)

    def in_use(self, webhook: Any, now: datetime) -> list[str]:
        """The secrets that sign a delivery now: the current one, and the previous one while its
        grace period lasts."""
        secrets = [self.open(webhook.sealed_secret)]
        until = webhook.previous_valid_until
        if webhook.previous_sealed_secret and until is not None and now < until:
            secrets.append(self.open(webhook.previous_sealed_secret))
        return secrets
