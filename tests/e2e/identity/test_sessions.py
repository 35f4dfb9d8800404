"""Logging in, reading one's profile, refreshing and logging out, over real HTTP."""

from __future__ import annotations

import httpx
import jwt
from devstack.stack import Stack

from tests.e2e.identity.people import a_client, an_address
from tests.e2e.system import (
    login,
    logout,
    me,
    refresh,
    register,
    verified_user,
)


def test_a_verified_user_logs_in_and_reads_their_profile(system: Stack) -> None:
    email = verified_user(system, an_address("anna"), language="en")
    answer = login(system, email.upper(), address=a_client())
    assert answer.status_code == 201, answer.text
    assert answer.headers["cache-control"] == "no-store"
    session = answer.json()
    assert session["token_type"] == "Bearer"
    assert 60 <= session["expires_in"] <= 15 * 60
    assert session["receiving_prompt"] == {"show": False, "organisations": []}
    user = session["user"]
    assert user["email"] == email and user["language"] == "en" and user["phone"] is None
    assert user["roles"] == {"environment": "admin", "organisations": []}
    assert user["email_preferences"] == {
        "invoice_received": True,
        "invoice_sent": True,
        "invoice_delivery_failed": True,
        "organisation_activated": True,
        "receiving_changed": True,
        "product_news": False,
    }
    assert user["receiving_prompt_enabled"] is True

    claims = jwt.decode(session["access_token"], options={"verify_signature": False})
    assert jwt.get_unverified_header(session["access_token"])["alg"] == "EdDSA"
    assert claims["iss"] == "einvoice-identity" and claims["aud"] == "einvoice-api"
    assert claims["sub"] == user["id"] and claims["env"] == user["environment_id"]
    assert claims["role"] == "admin" and claims["sid"] and claims["jti"]
    assert claims["exp"] - claims["iat"] == session["expires_in"]

    profile = me(system, session["access_token"])
    assert profile.status_code == 200
    assert profile.json() == user


def test_an_unverified_user_hears_so_only_after_the_right_password(system: Stack) -> None:
    email = an_address("unverified")
    register(system, email)
    wrong = login(system, email, "not the password at all", address=a_client())
    assert wrong.status_code == 401
    right = login(system, email, address=a_client())
    assert right.status_code == 403
    assert right.json()["type"] == "urn:problem:identity:email-not-verified"


def test_a_refresh_token_works_once_and_its_reuse_ends_the_whole_session(system: Stack) -> None:
    email = verified_user(system, an_address("rotating"))
    first = login(system, email, address=a_client()).json()

    renewed = refresh(system, first["refresh_token"])
    assert renewed.status_code == 201
    second = renewed.json()
    assert set(second) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert second["refresh_token"] != first["refresh_token"]
    assert me(system, second["access_token"]).status_code == 200

    # Someone replays the spent token: both holders are cut off.
    replayed = refresh(system, first["refresh_token"])
    assert replayed.status_code == 401
    assert replayed.json()["type"] == "urn:problem:identity:invalid-refresh-token"
    assert me(system, second["access_token"]).status_code == 401
    assert me(system, first["access_token"]).status_code == 401
    assert refresh(system, second["refresh_token"]).status_code == 401


def test_other_sessions_of_the_user_live_on_when_one_family_is_revoked(system: Stack) -> None:
    email = verified_user(system, an_address("two-devices"))
    laptop = login(system, email, address=a_client()).json()
    phone = login(system, email, address=a_client()).json()
    refresh(system, laptop["refresh_token"])
    refresh(system, laptop["refresh_token"])  # reuse: the laptop's family ends
    assert me(system, laptop["access_token"]).status_code == 401
    assert me(system, phone["access_token"]).status_code == 200


def test_logging_out_stops_the_tokens_at_once(system: Stack) -> None:
    email = verified_user(system, an_address("leaving"))
    session = login(system, email, address=a_client()).json()
    assert me(system, session["access_token"]).status_code == 200
    assert logout(system, session["access_token"]).status_code == 204
    after = me(system, session["access_token"])
    assert after.status_code == 401
    assert after.headers["www-authenticate"].startswith("Bearer")
    assert "ended" in after.json()["detail"]
    assert refresh(system, session["refresh_token"]).status_code == 401
    assert logout(system, session["access_token"]).status_code == 401


def test_an_unknown_refresh_token_is_refused(system: Stack) -> None:
    answer = refresh(system, "not-a-refresh-token")
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_the_openapi_document_names_every_identity_route_and_its_bearer_security(
    system: Stack,
) -> None:
    schema = httpx.get(f"{system.gateway_url}/schema/openapi.json").json()
    operations = {
        (path, method): operation
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }
    expected = {
        ("/api/v1/sessions", "post"): "login",
        ("/api/v1/sessions/refresh", "post"): "refreshSession",
        ("/api/v1/sessions/current", "delete"): "logout",
        ("/api/v1/me", "get"): "getProfile",
        ("/api/v1/password-resets", "post"): "requestPasswordReset",
        ("/api/v1/password-resets/confirm", "post"): "confirmPasswordReset",
    }
    for key, operation_id in expected.items():
        assert operations[key]["operationId"] == operation_id
    assert operations[("/api/v1/me", "get")]["security"] == [{"BearerToken": []}]
    assert schema["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
