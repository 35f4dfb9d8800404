"""Access tokens that were tampered with, forged or outlived are refused with a 401 challenge."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from devstack.stack import Stack
from jwt.utils import base64url_encode

from tests.e2e.identity.people import a_client, an_address
from tests.e2e.system import login, me, verified_user


class Forger:
    """Someone holding a genuine token and, for some cases, identity's real key."""

    def __init__(self, system: Stack, token: str) -> None:
        self.token = token
        self.claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
        self.kid = jwt.get_unverified_header(token)["kid"]
        seed = base64.b64decode(system.env["IDENTITY_JWT_PRIVATE_KEY"])
        self.identity_key = Ed25519PrivateKey.from_private_bytes(seed)
        self.public_key = base64.b64decode(system.env["IDENTITY_JWT_PUBLIC_KEY"])

    def claims_with(self, **values: Any) -> dict[str, Any]:
        return {**self.claims, **values}

    def signed(self, claims: dict[str, Any], key: Ed25519PrivateKey | None = None) -> str:
        """EdDSA with identity's key (or another), the way identity signs."""
        return jwt.encode(
            claims, key or self.identity_key, algorithm="EdDSA", headers={"kid": self.kid}
        )

    def unsigned(self) -> str:
        """alg: none, no signature at all."""
        return jwt.encode(self.claims_with(role="admin"), key=None, algorithm="none")

    def hs256_with_public_key(self) -> str:
        """The classic confusion: HMAC keyed with the public verification key."""
        signing_input = self._segments({"alg": "HS256", "typ": "JWT", "kid": self.kid}, self.claims)
        signature = hmac.new(self.public_key, signing_input, hashlib.sha256).digest()
        return (signing_input + b"." + base64url_encode(signature)).decode()

    def payload_swapped(self) -> str:
        """The genuine header and signature around other claims."""
        header, _, signature = self.token.split(".")
        other = base64url_encode(
            json.dumps(self.claims_with(sub=str(uuid.uuid4()))).encode()
        ).decode()
        return f"{header}.{other}.{signature}"

    @staticmethod
    def _segments(header: dict[str, Any], claims: dict[str, Any]) -> bytes:
        return b".".join(base64url_encode(json.dumps(part).encode()) for part in (header, claims))


def ago(seconds: int) -> int:
    return int(time.time()) - seconds


FORGERIES: dict[str, Callable[[Forger], str]] = {
    "alg none": lambda f: f.unsigned(),
    "HS256 keyed with the public key": lambda f: f.hs256_with_public_key(),
    "signed by a foreign key": lambda f: f.signed(f.claims, Ed25519PrivateKey.generate()),
    "claims changed after signing": lambda f: f.payload_swapped(),
    "expired": lambda f: f.signed(f.claims_with(iat=ago(3600), nbf=ago(3600), exp=ago(60))),
    "not valid yet": lambda f: f.signed(f.claims_with(nbf=ago(-3600))),
    "for another audience": lambda f: f.signed(f.claims_with(aud="someone-else")),
    "from another issuer": lambda f: f.signed(f.claims_with(iss="evil-identity")),
    "without a session": lambda f: f.signed({k: v for k, v in f.claims.items() if k != "sid"}),
    "living for a day": lambda f: f.signed(f.claims_with(exp=f.claims["iat"] + 86400)),
    "not a JWT": lambda f: "not.a.jwt",
}


@pytest.fixture(scope="module")
def forger(system: Stack) -> Forger:
    """A real session's access token in the hands of someone who would like more."""
    email = verified_user(system, an_address("tamper"))
    return Forger(system, login(system, email, address=a_client()).json()["access_token"])


@pytest.mark.parametrize("forgery", FORGERIES, ids=list(FORGERIES))
def test_a_tampered_token_is_refused_with_a_bearer_challenge(
    system: Stack, forger: Forger, forgery: str
) -> None:
    answer = me(system, FORGERIES[forgery](forger))
    assert answer.status_code == 401, forgery
    assert answer.headers["content-type"].startswith("application/problem+json")
    challenge = answer.headers["www-authenticate"]
    assert (
        challenge.startswith('Bearer realm="einvoice-api"') and 'error="invalid_token"' in challenge
    )
    assert answer.json()["type"] == "urn:problem:unauthenticated"


def test_the_genuine_token_still_works(system: Stack, forger: Forger) -> None:
    assert me(system, forger.token).status_code == 200
    assert me(system, forger.signed(forger.claims)).status_code == 200, "re-signed by identity"


@pytest.mark.parametrize(
    "authorization", [None, "", "Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", "Token abc"]
)
def test_a_missing_or_malformed_authorization_header_is_a_401_challenge(
    system: Stack, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    answer = httpx.get(f"{system.gateway_url}/api/v1/me", headers=headers)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert answer.headers["content-type"].startswith("application/problem+json")
