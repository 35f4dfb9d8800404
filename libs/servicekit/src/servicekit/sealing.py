"""Secrets that must cross the bus travel sealed to the one service allowed to read them.

A NaCl sealed box (X25519 + XSalsa20-Poly1305, anonymous sender): anyone with the recipient's
public key can seal, only the holder of its private key can open. The gateway seals passwords
to identity; identity seals verification tokens to notifications. A leaked event log or a
captured bus message therefore holds nothing usable without that service's private key.
"""

from __future__ import annotations

import base64

from nacl.public import PrivateKey, PublicKey, SealedBox


class SealedSecretError(ValueError):
    """A sealed value that cannot be opened with this key (wrong key or tampered)."""


def _key_bytes(value: str) -> bytes:
    raw = base64.b64decode(value.strip())
    if len(raw) != 32:
        raise ValueError("a sealing key is 32 bytes, base64-encoded")
    return raw


def seal(public_key: str, secret: str) -> str:
    """Seal `secret` to the holder of `public_key` (base64); the result is base64 text."""
    box = SealedBox(PublicKey(_key_bytes(public_key)))
    return base64.b64encode(box.encrypt(secret.encode())).decode()


def open_sealed(private_key: str, sealed: str) -> str:
    """Open a value sealed to our public key; SealedSecretError if it is not ours or damaged."""
    try:
        box = SealedBox(PrivateKey(_key_bytes(private_key)))
        return box.decrypt(base64.b64decode(sealed)).decode()
    except Exception as error:
        raise SealedSecretError("the sealed value cannot be opened with this key") from error


def public_key_of(private_key: str) -> str:
    """The base64 public key belonging to a base64 private key."""
    return base64.b64encode(bytes(PrivateKey(_key_bytes(private_key)).public_key)).decode()


def new_private_key() -> str:
    """A fresh base64 private key (dev and tests; production provides its own)."""
    return base64.b64encode(bytes(PrivateKey.generate())).decode()
