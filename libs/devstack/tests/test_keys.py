import base64
import stat
from pathlib import Path

import pytest
from devstack import ensure_keys
from nacl.public import PrivateKey
from nacl.signing import SigningKey

VARS = [
    "IDENTITY_PRIVATE_KEY",
    "IDENTITY_PUBLIC_KEY",
    "NOTIFICATIONS_PRIVATE_KEY",
    "NOTIFICATIONS_PUBLIC_KEY",
    "IDENTITY_JWT_PRIVATE_KEY",
    "IDENTITY_JWT_PUBLIC_KEY",
    "PARTNERS_PRIVATE_KEY",
    "PARTNERS_PUBLIC_KEY",
    "OPERATOR_TOKEN",
]


def test_keys_are_created_once_private_to_the_owner_and_reused(
    tmp_path: Path, clean_env: None
) -> None:
    first = ensure_keys(tmp_path / "keys")
    assert sorted(first) == sorted(VARS)
    for owner in ("identity", "notifications", "partners"):
        path = tmp_path / "keys" / f"{owner}.key"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        raw = base64.b64decode(path.read_text())
        assert len(raw) == 32
        assert first[f"{owner.upper()}_PRIVATE_KEY"] == base64.b64encode(raw).decode()
        public = bytes(PrivateKey(raw).public_key)
        assert base64.b64decode(first[f"{owner.upper()}_PUBLIC_KEY"]) == public
    assert ensure_keys(tmp_path / "keys") == first
    assert first["IDENTITY_PRIVATE_KEY"] != first["NOTIFICATIONS_PRIVATE_KEY"]


def test_keys_set_in_the_environment_win_and_are_not_written(
    tmp_path: Path, clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    production = PrivateKey.generate()
    monkeypatch.setenv("IDENTITY_PRIVATE_KEY", base64.b64encode(bytes(production)).decode())
    env = ensure_keys(tmp_path / "keys")
    assert base64.b64decode(env["IDENTITY_PUBLIC_KEY"]) == bytes(production.public_key)
    assert not (tmp_path / "keys" / "identity.key").exists()
    assert (tmp_path / "keys" / "notifications.key").exists()


def test_a_corrupt_key_file_is_reported_not_replaced(tmp_path: Path, clean_env: None) -> None:
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "identity.key").write_text("bm90IDMyIGJ5dGVz\n")
    with pytest.raises(ValueError, match="expected 32 bytes"):
        ensure_keys(tmp_path / "keys")


def test_identity_gets_an_ed25519_pair_to_sign_access_tokens_with(
    tmp_path: Path, clean_env: None
) -> None:
    env = ensure_keys(tmp_path / "keys")
    path = tmp_path / "keys" / "identity-jwt.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    seed = base64.b64decode(env["IDENTITY_JWT_PRIVATE_KEY"])
    public = base64.b64decode(env["IDENTITY_JWT_PUBLIC_KEY"])
    signed = SigningKey(seed).sign(b"claims")
    assert SigningKey(seed).verify_key.verify(signed) == b"claims"
    assert public == bytes(SigningKey(seed).verify_key)
    assert ensure_keys(tmp_path / "keys") == env, "made once, then reused"


def test_a_signing_key_from_the_environment_wins(
    tmp_path: Path, clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    production = SigningKey.generate()
    monkeypatch.setenv("IDENTITY_JWT_PRIVATE_KEY", base64.b64encode(bytes(production)).decode())
    env = ensure_keys(tmp_path / "keys")
    assert base64.b64decode(env["IDENTITY_JWT_PUBLIC_KEY"]) == bytes(production.verify_key)
    assert not (tmp_path / "keys" / "identity-jwt.key").exists()


def test_the_operator_token_is_made_once_readable_only_by_its_owner(tmp_path: Path) -> None:
    first = ensure_keys(tmp_path / "keys")["OPERATOR_TOKEN"]
    assert len(first) >= 32
    stored = tmp_path / "keys" / "operator-token"
    assert stored.read_text().strip() == first
    assert stored.stat().st_mode & 0o777 == 0o600
    assert ensure_keys(tmp_path / "keys")["OPERATOR_TOKEN"] == first
