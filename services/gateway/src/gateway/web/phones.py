"""Phone numbers as the pages show them."""

from __future__ import annotations

import phonenumbers


def shown_phone(e164: str | None) -> str:
    """A kept number as people write it: 06 12345678 here, +32 470 12 34 56 abroad."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) == "NL":
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
