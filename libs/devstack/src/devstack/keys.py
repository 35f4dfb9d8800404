"""Key pairs of the local stack: sealing keys (X25519), identity's token-signing key (Ed25519)."""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import tempfile
from pathlib import Path

from nacl.public import PrivateKey
from nacl.signing import SigningKey

KEY_OWNERS = ("identity", "notifications", "partners")
# Identity signs access tokens with it; the gateway checks them with the public half.
SIGNING_KEY = ("identity-jwt", "IDENTITY_JWT_PRIVATE_KEY", "IDENTITY_JWT_PUBLIC_KEY")


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _decode_key(text: str, origin: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except binascii.Error as exc:
        raise ValueError(f"{origin}: not base64") from exc
    if len(raw) != 32:
        raise ValueError(f"{origin}: expected 32 bytes, got {len(raw)}")
    return raw


def _write_private(path: Path, raw: bytes) -> None:
    # Written whole under mode 0600 then renamed, so no reader sees a partial key.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(_b64(raw) + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_or_create_private_key(path: Path, signing: bool = False) -> bytes:
    """Return the raw 32-byte private key stored (base64) at `path`, creating it once.

    An Ed25519 signing key (its 32-byte seed) when `signing`, else an X25519 sealing key.
    """
    if path.exists():
        return _decode_key(path.read_text(), str(path))
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    raw = bytes(SigningKey.generate()) if signing else bytes(PrivateKey.generate())
    _write_private(path, raw)
    return raw


def ensure_keys(keys_dir: Path) -> dict[str, str]:
    """Env vars <OWNER>_PRIVATE_KEY / <OWNER>_PUBLIC_KEY, IDENTITY_JWT_PRIVATE_KEY /
    IDENTITY_JWT_PUBLIC_KEY and OPERATOR_TOKEN; values in os.environ win."""
    env: dict[str, str] = {}
    for owner in KEY_OWNERS:
        private_var, public_var = f"{owner.upper()}_PRIVATE_KEY", f"{owner.upper()}_PUBLIC_KEY"
        given = os.environ.get(private_var)
        if given:
            raw = _decode_key(given, private_var)
        else:
            raw = load_or_create_private_key(Path(keys_dir) / f"{owner}.key")
        env[private_var] = given or _b64(raw)
        env[public_var] = os.environ.get(public_var) or _b64(bytes(PrivateKey(raw).public_key))
    env.update(_signing_keys(keys_dir))
    env["OPERATOR_TOKEN"] = os.environ.get("OPERATOR_TOKEN") or _operator_token(keys_dir)
    return env


def _operator_token(keys_dir: Path) -> str:
    """The operators' bearer token for /ops, made once per var/ (var/keys/operator-token)."""
    path = Path(keys_dir) / "operator-token"
    if path.exists():
        return path.read_text().strip()
    token = secrets.token_urlsafe(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The file holds the token as operators paste it; only its owner may read it.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(token + "\n")
    return token


def _signing_keys(keys_dir: Path) -> dict[str, str]:
    name, private_var, public_var = SIGNING_KEY
    given = os.environ.get(private_var)
    if given:
        raw = _decode_key(given, private_var)
    else:
        raw = load_or_create_private_key(Path(keys_dir) / f"{name}.key", signing=True)
    public = os.environ.get(public_var) or _b64(bytes(SigningKey(raw).verify_key))
    return {private_var: given or _b64(raw), public_var: public}
