"""The password rules: 12 to 128 characters, and hard to guess as zxcvbn estimates it.

zxcvbn (Dropbox's estimator) scores a password 0-4 by how many guesses it would take, knowing
common passwords, words, names, dates, keyboard patterns and what the user typed elsewhere
(their e-mail address and name). Score 3 means "safely unguessable" against online attacks and
slows an offline one well, which with argon2id on top is what we ask for.
"""

from __future__ import annotations

from collections.abc import Iterable

from zxcvbn import zxcvbn

from identity.domain.errors import PasswordPolicyViolation

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 128
MINIMUM_STRENGTH = 3

LENGTH_RULE = "password-length"
STRENGTH_RULE = "password-strength"


def check_password_length(password: str) -> None:
    """Refuse passwords outside the allowed length."""
    if not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
        raise PasswordPolicyViolation(
            LENGTH_RULE,
            f"a password has {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters",
        )


def check_password_strength(password: str, user_inputs: Iterable[str] = ()) -> None:
    """Refuse a password zxcvbn scores below 3, passing on its warning and suggestions."""
    inputs = [part for value in user_inputs for part in _parts(value)]
    estimate = zxcvbn(password, user_inputs=inputs, max_length=PASSWORD_MAX_LENGTH)
    if estimate["score"] >= MINIMUM_STRENGTH:
        return
    feedback = estimate["feedback"]
    warning = feedback.get("warning") or "This password is too easy to guess."
    suggestions = tuple(feedback.get("suggestions") or ())
    message = " ".join([warning, *suggestions]).strip()
    raise PasswordPolicyViolation(STRENGTH_RULE, message, suggestions)


def check_password_policy(password: str, user_inputs: Iterable[str] = ()) -> None:
    """Both rules: the length first (cheap), then the strength."""
    check_password_length(password)
    check_password_strength(password, user_inputs)


def _parts(value: str) -> list[str]:
    # "ann.de.boer@bakkerij.nl" should count "ann", "boer" and "bakkerij" as known to attackers.
    cleaned = value.lower().replace("@", " ").replace(".", " ").replace("-", " ")
    return [value.lower(), *(word for word in cleaned.split() if len(word) >= 3)]
