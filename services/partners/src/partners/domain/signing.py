"""Webhook signatures: X-Signature is `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`.

While a secret is being rotated both the new and the previous secret sign: the header then holds
two values separated by a comma, the new one first. A receiver accepts the delivery when any value
matches a secret it knows (see examples/webhook_receiver.py).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)


def new_secret() -> str:
    """A fresh webhook secret (256 random bits)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def fingerprint(secret: str) -> str:
    """What events and answers say about a secret: the first 12 hex digits of its SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()[:12]


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>` of one secret over `<timestamp>.<body>`."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signature_header(secrets_in_use: list[str], timestamp: str, body: bytes) -> str:
    """The X-Signature value: one signature per secret in use, newest first."""
    return ",".join(signature(secret, timestamp, body) for secret in secrets_in_use)


def verify(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    """True when one of the header's signatures is this secret's (constant-time compare)."""
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, part.strip()) for part in header.split(","))
