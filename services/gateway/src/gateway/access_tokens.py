"""Checking access tokens: EdDSA signatures by identity's key, and nothing else.

Refused: any algorithm but EdDSA (so `alg: none` and HS256 keyed with the public key get
nowhere), a key we do not know, a wrong issuer or audience, an expired or not-yet-valid token,
a token whose lifetime exceeds what the revocation list remembers, and missing claims.

A token that passed is remembered (bounded, keyed by the whole token string) until it expires, so
a client's next request skips the signature check; whether its session was revoked is still
asked on every request (`auth.Authentication`). A token that failed is never remembered.
"""

from __future__ import annotations

import base64
import hashlib
import time

import jwt
from contracts.commands.caller import Caller
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError

ISSUER = "einvoice-identity"
AUDIENCE = "einvoice-api"
ALGORITHM = "EdDSA"
REQUIRED_CLAIMS = ["iss", "aud", "sub", "env", "sid", "role", "iat", "nbf", "exp", "jti"]
VERIFIED_TOKENS_REMEMBERED = 10_000
"""About 5 MB at most: every user signed in at once on one gateway, with room to spare."""


class InvalidAccessToken(Exception):
    """The token cannot be trusted; the message says why, for the client."""


def key_id(public_raw: bytes) -> str:
    """The `kid` identity puts in a token's header (a prefix of the key's SHA-256)."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


class VerifiedTokens:
    """Tokens that passed every check, each with its caller, until the moment it expires."""

    def __init__(self, capacity: int = VERIFIED_TOKENS_REMEMBERED) -> None:
        self._capacity = capacity
        self._entries: dict[str, tuple[Caller, float]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, token: str, now: float) -> Caller | None:
        """The caller of a token verified before and usable at `now`; None otherwise."""
        entry = self._entries.get(token)
        if entry is None:
            return None
        if now < entry[1]:
            return entry[0]
        del self._entries[token]
        return None

    def remember(self, token: str, caller: Caller, usable_until: float, now: float) -> None:
        """Keep a verified token; when full, the expired go, then the oldest."""
        if token not in self._entries and len(self._entries) >= self._capacity:
            for expired in [t for t, (_, until) in self._entries.items() if until <= now]:
                del self._entries[expired]
            # Make room for a tenth at once, so a full cache is not scanned on every insert.
            while len(self._entries) >= self._capacity * 9 // 10:
                del self._entries[next(iter(self._entries))]
        self._entries[token] = (caller, usable_until)


class AccessTokenVerifier:
    """Verifies identity's access tokens with its public key(s)."""

    def __init__(
        self,
        public_keys: list[str],
        max_lifetime_seconds: int,
        leeway_seconds: int = 5,
        remembered: VerifiedTokens | None = None,
    ) -> None:
        if not public_keys:
            raise ValueError("at least one public key is needed to check access tokens")
        self._keys: dict[str, Ed25519PublicKey] = {}
        for encoded in public_keys:
            raw = base64.b64decode(encoded, validate=True)
            self._keys[key_id(raw)] = Ed25519PublicKey.from_public_bytes(raw)
        self._max_lifetime = max_lifetime_seconds
        self._leeway = leeway_seconds
        self.remembered = VerifiedTokens() if remembered is None else remembered

    def verify(self, token: str) -> Caller:
        """The caller the token names; InvalidAccessToken when anything is off."""
        # The clock PyJWT judges `exp` by.
        now = time.time()
        caller = self.remembered.get(token, now)
        if caller is not None:
            return caller
        caller, expires = self._check(token)
        # PyJWT refuses a token once `exp <= now - leeway`: remembered exactly as long as that.
        self.remembered.remember(token, caller, expires + self._leeway, now)
        return caller

    def _check(self, token: str) -> tuple[Caller, int]:
        """Every check on the token itself: its caller and its `exp`."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise InvalidAccessToken("the access token is malformed") from error
        if header.get("alg") != ALGORITHM:
            raise InvalidAccessToken("the access token is not signed the way identity signs")
        key = self._keys.get(str(header.get("kid")))
        if key is None:
            raise InvalidAccessToken("the access token is signed with an unknown key")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                leeway=self._leeway,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError as error:
            raise InvalidAccessToken("the access token has expired; refresh it") from error
        except jwt.ImmatureSignatureError as error:
            raise InvalidAccessToken("the access token is not valid yet") from error
        except jwt.InvalidSignatureError as error:
            raise InvalidAccessToken("the access token's signature is wrong") from error
        except jwt.PyJWTError as error:
            raise InvalidAccessToken(f"the access token is not valid: {error}") from error
        if int(claims["exp"]) - int(claims["iat"]) > self._max_lifetime:
            raise InvalidAccessToken("the access token lives longer than allowed")
        try:
            caller = Caller(
                user_id=claims["sub"],
                environment_id=claims["env"],
                session_id=claims["sid"],
                role=claims["role"],
            )
        except ValidationError as error:
            raise InvalidAccessToken("the access token's claims are not valid") from error
        return caller, int(claims["exp"])
