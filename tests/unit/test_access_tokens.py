"""The gateway trusts an access token only if identity signed it with EdDSA, for us, and now."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from gateway.access_tokens import AccessTokenVerifier, InvalidAccessToken
from identity.security.access_tokens import AccessTokenIssuer
from jwt.utils import base64url_encode

SEED = Ed25519PrivateKey.generate().private_bytes_raw()
PRIVATE = base64.b64encode(SEED).decode()
PUBLIC_RAW = (
    Ed25519PrivateKey.from_private_bytes(SEED)
    .public_key()
    .public_bytes(Encoding.Raw, PublicFormat.Raw)
)
PUBLIC = base64.b64encode(PUBLIC_RAW).decode()
USER, ENVIRONMENT, SESSION = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def now() -> datetime:
    return datetime.now(UTC)


def issued(at: datetime | None = None, lifetime: int = 900) -> str:
    moment = at or now()
    return AccessTokenIssuer(PRIVATE, lifetime, lambda: moment).issue(
        user_id=USER, environment_id=ENVIRONMENT, session_id=SESSION, role="admin"
    )


def verifier(*keys: str) -> AccessTokenVerifier:
    return AccessTokenVerifier(list(keys) or [PUBLIC], max_lifetime_seconds=19 * 60)


def claims_of(token: str) -> dict[str, object]:
    return jwt.decode(token, options={"verify_signature": False})


def resigned(token: str, key: Ed25519PrivateKey | None = None, **changes: object) -> str:
    header = jwt.get_unverified_header(token)
    claims = {**claims_of(token), **changes}
    signer = key or Ed25519PrivateKey.from_private_bytes(SEED)
    return jwt.encode(claims, signer, algorithm="EdDSA", headers={"kid": header["kid"]})


def test_a_token_identity_issued_names_its_caller() -> None:
    caller = verifier().verify(issued())
    assert (caller.user_id, caller.environment_id, caller.session_id) == (
        USER,
        ENVIRONMENT,
        SESSION,
    )
    assert caller.role == "admin"


def test_alg_none_is_refused() -> None:
    token = jwt.encode(claims_of(issued()), key=None, algorithm="none")
    with pytest.raises(InvalidAccessToken, match="not signed the way"):
        verifier().verify(token)


def test_hs256_keyed_with_the_public_key_is_refused() -> None:
    header = {"alg": "HS256", "typ": "JWT", "kid": jwt.get_unverified_header(issued())["kid"]}
    signing_input = b".".join(
        base64url_encode(json.dumps(part).encode()) for part in (header, claims_of(issued()))
    )
    signature = hmac.new(PUBLIC_RAW, signing_input, hashlib.sha256).digest()
    with pytest.raises(InvalidAccessToken):
        verifier().verify((signing_input + b"." + base64url_encode(signature)).decode())


def test_a_token_signed_by_a_foreign_key_is_refused() -> None:
    with pytest.raises(InvalidAccessToken, match="signature"):
        verifier().verify(resigned(issued(), Ed25519PrivateKey.generate()))


def test_a_token_from_a_foreign_issuer_with_its_own_key_id_is_refused() -> None:
    foreign = base64.b64encode(Ed25519PrivateKey.generate().private_bytes_raw()).decode()
    token = AccessTokenIssuer(foreign, 900, now).issue(
        user_id=USER, environment_id=ENVIRONMENT, session_id=SESSION, role="admin"
    )
    with pytest.raises(InvalidAccessToken, match="unknown key"):
        verifier().verify(token)


def test_an_expired_token_is_refused() -> None:
    with pytest.raises(InvalidAccessToken, match="expired"):
        verifier().verify(issued(at=now() - timedelta(minutes=16)))


def test_a_token_from_the_future_is_refused() -> None:
    with pytest.raises(InvalidAccessToken, match="not valid yet"):
        verifier().verify(issued(at=now() + timedelta(minutes=5)))


@pytest.mark.parametrize(("claim", "value"), [("aud", "another-api"), ("iss", "another-identity")])
def test_a_token_for_another_audience_or_from_another_issuer_is_refused(
    claim: str, value: str
) -> None:
    with pytest.raises(InvalidAccessToken):
        verifier().verify(resigned(issued(), **{claim: value}))


@pytest.mark.parametrize("claim", ["sid", "env", "role", "exp", "jti"])
def test_a_token_missing_a_claim_is_refused(claim: str) -> None:
    claims = {k: v for k, v in claims_of(issued()).items() if k != claim}
    token = jwt.encode(
        claims,
        Ed25519PrivateKey.from_private_bytes(SEED),
        algorithm="EdDSA",
        headers={"kid": jwt.get_unverified_header(issued())["kid"]},
    )
    with pytest.raises(InvalidAccessToken):
        verifier().verify(token)


def test_a_token_living_longer_than_revocations_are_remembered_is_refused() -> None:
    with pytest.raises(InvalidAccessToken, match="longer"):
        verifier().verify(issued(lifetime=3600))


def test_a_role_that_does_not_exist_is_refused() -> None:
    with pytest.raises(InvalidAccessToken, match="claims"):
        verifier().verify(resigned(issued(), role="superuser"))


def test_during_a_key_rotation_both_keys_are_accepted() -> None:
    new_seed = Ed25519PrivateKey.generate().private_bytes_raw()
    new_public = Ed25519PrivateKey.from_private_bytes(new_seed).public_key().public_bytes_raw()
    new_token = AccessTokenIssuer(base64.b64encode(new_seed).decode(), 900, now).issue(
        user_id=USER, environment_id=ENVIRONMENT, session_id=SESSION, role="basic"
    )
    both = verifier(PUBLIC, base64.b64encode(new_public).decode())
    assert both.verify(issued()).role == "admin"
    assert both.verify(new_token).role == "basic"


def test_garbage_is_refused_as_malformed() -> None:
    with pytest.raises(InvalidAccessToken, match="malformed"):
        verifier().verify("not-a-token")
