"""Phone numbers: read as people type them (Dutch by default), kept in E.164."""

from __future__ import annotations

import phonenumbers

DEFAULT_REGION = "NL"


class InvalidPhoneNumber(ValueError):
    """The text is not a phone number that can be dialled."""


def normalise_phone(text: str) -> str:
    """The number in E.164 (`+31612345678`); `06 1234 5678` is read as Dutch."""
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhoneNumber(
            "not a phone number; write it like 06 12345678 or +31 6 12345678"
        ) from error
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber(
            "this number does not exist; check the digits, and give the country code "
            "(like +32) for a number outside the Netherlands"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
