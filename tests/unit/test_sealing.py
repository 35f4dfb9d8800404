"""Secrets on the bus are sealed to the one service that may read them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from servicekit.sealing import SealedSecretError, new_private_key, open_sealed, public_key_of, seal

OURS = new_private_key()
THEIRS = new_private_key()


@given(st.text(min_size=0, max_size=300))
def test_what_is_sealed_to_us_opens_with_our_key(secret: str) -> None:
    assert open_sealed(OURS, seal(public_key_of(OURS), secret)) == secret


def test_a_value_sealed_to_another_service_does_not_open() -> None:
    sealed = seal(public_key_of(THEIRS), "token")
    with pytest.raises(SealedSecretError):
        open_sealed(OURS, sealed)


def test_a_tampered_value_does_not_open() -> None:
    sealed = seal(public_key_of(OURS), "token")
    tampered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    with pytest.raises(SealedSecretError):
        open_sealed(OURS, tampered)


def test_sealing_twice_gives_different_ciphertexts() -> None:
    public = public_key_of(OURS)
    assert seal(public, "token") != seal(public, "token")
