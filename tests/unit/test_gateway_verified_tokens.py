"""The gateway remembers a token it verified until the token expires, and no longer.

Remembering skips the signature check on a client's next request; it must not change a single
verdict: an expired token is refused as before (leeway included), a tampered copy of a
remembered token is refused, and a revoked session is refused on every request.
"""

from __future__ import annotations

import base64
import time
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from contracts.commands.caller import Caller
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from gateway.access_tokens import AccessTokenVerifier, InvalidAccessToken, VerifiedTokens
from gateway.auth import Authentication
from gateway.problems import Problem
from gateway.revocations import RevokedSessions
from identity.security.access_tokens import AccessTokenIssuer
from jwt.utils import base64url_decode, base64url_encode

SEED = Ed25519PrivateKey.generate().private_bytes_raw()
PRIVATE = base64.b64encode(SEED).decode()
PUBLIC = base64.b64encode(
    Ed25519PrivateKey.from_private_bytes(SEED).public_key().public_bytes_raw()
).decode()


def a_caller() -> Caller:
    return Caller(
        user_id=uuid.uuid4(), environment_id=uuid.uuid4(), session_id=uuid.uuid4(), role="basic"
    )


def issued(
    lifetime: int = 900, at: datetime | None = None, session: uuid.UUID | None = None
) -> str:
    moment = at or datetime.now(UTC)
    return AccessTokenIssuer(PRIVATE, lifetime, lambda: moment).issue(
        user_id=uuid.uuid4(),
        environment_id=uuid.uuid4(),
        session_id=session or uuid.uuid4(),
        role="admin",
    )


def verifier(leeway: int = 5) -> AccessTokenVerifier:
    return AccessTokenVerifier([PUBLIC], max_lifetime_seconds=19 * 60, leeway_seconds=leeway)


def seconds_until_exp(token: str) -> float:
    claims = jwt.decode(token, options={"verify_signature": False})
    return int(claims["exp"]) - time.time()


# -- the remembered set on its own --------------------------------------------------------


def test_a_remembered_token_is_served_until_the_moment_it_is_no_longer_usable() -> None:
    remembered = VerifiedTokens()
    caller = a_caller()
    remembered.remember("token", caller, usable_until=100.0, now=0.0)
    assert remembered.get("token", 99.999) == caller
    assert remembered.get("token", 100.0) is None
    assert remembered.get("token", 50.0) is None, "an expired entry is gone, not hidden"
    assert remembered.get("another", 1.0) is None


def test_a_full_set_drops_the_expired_first_then_the_oldest() -> None:
    remembered = VerifiedTokens(capacity=10)
    for i in range(5):
        remembered.remember(f"expired-{i}", a_caller(), usable_until=10.0, now=0.0)
    for i in range(5):
        remembered.remember(f"live-{i}", a_caller(), usable_until=1000.0, now=0.0)
    remembered.remember("new", a_caller(), usable_until=1000.0, now=20.0)
    assert len(remembered) == 6
    assert all(remembered.get(f"live-{i}", 20.0) for i in range(5))
    for i in range(20):
        remembered.remember(f"more-{i}", a_caller(), usable_until=1000.0, now=20.0)
    assert len(remembered) <= 10
    assert remembered.get("more-19", 20.0) is not None
    assert remembered.get("live-0", 20.0) is None, "the oldest made room"


# -- the verifier ---------------------------------------------------------------------------


def test_a_token_is_checked_once_and_then_served_from_memory() -> None:
    checks = verifier()
    token = issued()
    first = checks.verify(token)
    assert len(checks.remembered) == 1
    assert checks.verify(token) == first


def test_a_refused_token_is_never_remembered() -> None:
    checks = verifier()
    with pytest.raises(InvalidAccessToken, match="expired"):
        checks.verify(issued(at=datetime.now(UTC) - timedelta(minutes=16)))
    with pytest.raises(InvalidAccessToken):
        checks.verify(jwt.encode({"sub": "x"}, key=None, algorithm="none"))
    assert len(checks.remembered) == 0


def test_a_tampered_copy_of_a_remembered_token_is_refused() -> None:
    checks = verifier()
    token = issued()
    checks.verify(token)
    header, payload, signature = token.split(".")
    claims = base64url_decode(payload.encode())
    swapped = claims.replace(b'"role":"admin"', b'"role":"basic"')
    assert swapped != claims
    forged = f"{header}.{base64url_encode(swapped).decode()}.{signature}"
    with pytest.raises(InvalidAccessToken, match="signature"):
        checks.verify(forged)
    unsigned = jwt.encode(
        jwt.decode(token, options={"verify_signature": False}), key=None, algorithm="none"
    )
    with pytest.raises(InvalidAccessToken, match="not signed the way"):
        checks.verify(unsigned)


def test_a_remembered_token_is_refused_once_it_expires_leeway_and_all() -> None:
    # A token with two seconds to live and one second of leeway; wait on the real clock,
    # the one PyJWT judges by.
    checks = verifier(leeway=1)
    token = issued(lifetime=2)
    checks.verify(token)
    time.sleep(max(0.0, seconds_until_exp(token)) + 0.2)
    assert checks.verify(token).role == "admin", "within the leeway it is still good"
    time.sleep(max(0.0, seconds_until_exp(token) + 1.0) + 0.2)
    with pytest.raises(InvalidAccessToken, match="expired"):
        checks.verify(token)
    assert len(checks.remembered) == 0


# -- with the revocation list ---------------------------------------------------------------


def test_a_remembered_token_of_a_revoked_session_is_refused_on_the_next_request() -> None:
    revoked = RevokedSessions()
    revoked._synced.set()  # as if the bucket had been read
    authentication = Authentication(verifier(), revoked)
    session = uuid.uuid4()
    token = issued(session=session)
    assert authentication.caller(f"Bearer {token}").session_id == session
    assert authentication.caller(f"Bearer {token}").session_id == session
    revoked.add(str(session))
    with pytest.raises(Problem) as refused:
        authentication.caller(f"Bearer {token}")
    assert refused.value.status_code == 401
    assert "session has ended" in str(refused.value.problem_detail)
