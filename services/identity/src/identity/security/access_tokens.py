"""Access tokens: short-lived JWTs signed with identity's Ed25519 key (EdDSA).

The gateway checks them with the public key alone: signature, algorithm (EdDSA only), issuer,
audience, expiry and not-before. `sid` names the session, so a revoked session's tokens can be
refused before they expire.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Callable
from datetime import datetime

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ISSUER = "einvoice-identity"
AUDIENCE = "einvoice-api"
ALGORITHM = "EdDSA"


def signing_key(private_key: str) -> Ed25519PrivateKey:
    """The Ed25519 key from its base64 32-byte seed."""
    raw = base64.b64decode(private_key.strip(), validate=True)
    if len(raw) != 32:
        raise ValueError("an Ed25519 signing key is a 32-byte seed, base64-encoded")
    return Ed25519PrivateKey.from_private_bytes(raw)


def key_id(public_raw: bytes) -> str:
    """The `kid` of a public key: lets the gateway pick the right key during a rotation."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


class AccessTokenIssuer:
    """Signs access tokens for sessions."""

    def __init__(
        self, private_key: str, lifetime_seconds: int, clock: Callable[[], datetime]
    ) -> None:
        self._key = signing_key(private_key)
        public = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self._kid = key_id(public)
        self.lifetime_seconds = lifetime_seconds
        self._clock = clock

    def issue(
        self,
        *,
        user_id: uuid.UUID,
        environment_id: uuid.UUID,
        session_id: uuid.UUID,
        role: str,
    ) -> str:
        """A signed token for one session, valid from now for the configured lifetime."""
        now = int(self._clock().timestamp())
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": str(user_id),
            "env": str(environment_id),
            "sid": str(session_id),
            "role": role,
            "iat": now,
            "nbf": now,
            "exp": now + self.lifetime_seconds,
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self._kid})
