"""Dutch organisation identifiers, checked the way their registers define them.

Every validator takes what a person typed (spaces, dots, hyphens and lower case are fine) and
returns the canonical form, or raises `InvalidIdentifier` naming the check that failed:
``required`` (empty), ``format`` (wrong characters or structure), ``length``, ``checksum``,
``country`` (a VAT id that does not start with NL), ``prefix`` and ``suffix`` (the parts of an
OIN) and ``scheme`` (a participant scheme we do not register).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.nl import bsn, btw

Scheme = Literal["0106", "9944", "0190"]

SCHEMES: dict[Scheme, str] = {"0106": "KvK number", "9944": "Dutch VAT id", "0190": "OIN"}

KVK_EXPECTED = "8 digits, e.g. 69599084"
ESTABLISHMENT_EXPECTED = "12 digits, e.g. 000038509504"
RSIN_EXPECTED = "9 digits that pass the elfproef, e.g. 004495445"
VAT_EXPECTED = (
    "NL + 9 digits + B + 2 digits, e.g. NL004495445B01 or, for a sole trader since 2020, "
    "NL000099998B57"
)
OIN_EXPECTED = (
    "20 digits: an 8-digit register prefix, the register's number and the suffix 000 or 0000, "
    "e.g. 00000001003227376000 (from an RSIN) or 00000003695990840000 (from a KvK number)"
)
SCHEME_EXPECTED = "0106, 9944 or 0190"

# What people type between digits; stdnum's own compact() strips the same.
_NOISE = re.compile(r"[\s.\-]+")
_DIGITS = re.compile(r"[0-9]+")

# Logius's OIN prefix table (OIN-stelsel, chapter "Data Architectuur"); 00000005 is unassigned.
_OIN_REGISTERS = {
    "00000001": "RSIN",
    "00000002": "Fi-number",
    "00000003": "KvK number",
    "00000004": "SubOIN",
    "00000006": "Logius OIN main number",
    "00000007": "BRIN number",
    "00000008": "foreign organisation number",
    "00000009": "Dezi number of a care provider",
    "00000010": "TRR-BD number",
    "00000011": "Dezi number of a health insurer",
    "00000099": "test OIN",
}


class InvalidIdentifier(ValueError):
    """An identifier that fails a named check; `expected` says what would pass."""

    def __init__(self, field: str, check: str, expected: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.check = check
        self.expected = expected
        self.message = message


def _refused(field: str, what: str, check: str, problem: str, expected: str) -> InvalidIdentifier:
    message = f"The {what} fails the {check} check: {problem}; expected {expected}."
    return InvalidIdentifier(field, check, expected, message)


def _stray(text: str, allowed: re.Pattern[str]) -> str:
    """The first character that does not belong, shown so a person can find it."""
    return next(char for char in text if not allowed.fullmatch(char))


def _digits(value: str, *, field: str, what: str, length: int, expected: str) -> str:
    text = _NOISE.sub("", value)
    if not text:
        raise _refused(field, what, "required", "it is empty", expected)
    if not _DIGITS.fullmatch(text):
        problem = f"it contains {_stray(text, _DIGITS)!r}, and only digits belong in it"
        raise _refused(field, what, "format", problem, expected)
    if len(text) != length:
        raise _refused(field, what, "length", f"it has {len(text)} digits", expected)
    if text.strip("0") == "":
        raise _refused(field, what, "format", "it is all zeros", expected)
    return text


def kvk_number(value: str, field: str = "kvk_number") -> str:
    """A KvK (chamber of commerce) number: 8 digits."""
    return _digits(value, field=field, what="KvK number", length=8, expected=KVK_EXPECTED)


def establishment_number(value: str, field: str = "establishment_number") -> str:
    """A KvK establishment number (vestigingsnummer): 12 digits."""
    return _digits(
        value, field=field, what="establishment number", length=12, expected=ESTABLISHMENT_EXPECTED
    )


def rsin(value: str, field: str = "rsin") -> str:
    """An RSIN: 9 digits passing the elfproef, the same check as a BSN."""
    number = _digits(value, field=field, what="RSIN", length=9, expected=RSIN_EXPECTED)
    # Length first: stdnum pads short numbers with zeros and would accept them.
    if not bsn.is_valid(number):
        raise _refused(field, "RSIN", "checksum", "it fails the elfproef", RSIN_EXPECTED)
    return number


_VAT_BODY = re.compile(r"[0-9B]+")


def nl_vat_id(value: str, field: str = "vat_id") -> str:
    """A Dutch VAT id (btw-id): NL + 9 digits + B + 2 digits, classic or 2020 sole-trader form."""
    what, expected = "Dutch VAT id", VAT_EXPECTED
    text = _NOISE.sub("", value).upper()
    if not text:
        raise _refused(field, what, "required", "it is empty", expected)
    if not text.startswith("NL"):
        problem = (
            f"it starts with the country code {text[:2]}"
            if re.fullmatch(r"[A-Z]{2}", text[:2])
            # Without NL it is likely the omzetbelastingnummer, which for a sole trader holds
            # the BSN and is not the btw-id.
            else "it does not start with the country code NL (an omzetbelastingnummer is no VAT id)"
        )
        raise _refused(field, what, "country", problem, expected)
    body = text[2:]
    if not _VAT_BODY.fullmatch(body):
        problem = (
            "nothing follows NL"
            if not body
            else f"it contains {_stray(body, _VAT_BODY)!r} after NL, where only digits and one B"
            " belong"
        )
        raise _refused(field, what, "format", problem, expected)
    if body.count("B") != 1:
        problem = "it needs exactly one letter B between the 9 digits and the last 2"
        raise _refused(field, what, "format", problem, expected)
    number, serial = body.split("B")
    if len(number) != 9 or len(serial) != 2:
        problem = f"it has {len(number)} digits before the B and {len(serial)} after it"
        if len(number) < 9:
            problem += " (leading zeros count)"
        raise _refused(field, what, "length", problem, expected)
    if number.strip("0") == "" or serial == "00":
        problem = "the 9 digits are all zeros" if serial != "00" else "the 2 digits after B are 00"
        raise _refused(field, what, "format", problem, expected)
    vat_id = f"NL{number}B{serial}"
    try:
        # Either check may hold: the elfproef over the 9 digits (classic form) or the mod-97
        # check over the whole id (the sole-trader form of 2020). stdnum tries both.
        btw.validate(vat_id)
    except InvalidChecksum:
        problem = (
            "its 9 digits fail the elfproef of the classic form and the whole id fails the "
            "mod-97 check of the 2020 sole-trader form"
        )
        raise _refused(field, what, "checksum", problem, expected) from None
    except ValidationError:  # pragma: no cover - the structure was checked above
        raise _refused(field, what, "format", "it is not a VAT id", expected) from None
    return vat_id


def oin(value: str, field: str = "oin") -> str:
    """An OIN (Logius's organisation identification number): 20 digits, prefix + number + suffix."""
    what, expected = "OIN", OIN_EXPECTED
    text = _digits(value, field=field, what=what, length=20, expected=expected)
    prefix, main = text[:8], text[8:]
    register = _OIN_REGISTERS.get(prefix)
    if register is None:
        problem = f"its first 8 digits {prefix} are not a register prefix Logius has assigned"
        raise _refused(field, what, "prefix", problem, expected)
    if prefix == "00000099":  # test OINs: only the prefix is fixed
        return text
    if prefix == "00000003":
        if not main.endswith("0000"):
            problem = "an OIN from a KvK number ends in 0000 after the 8-digit KvK number"
            raise _refused(field, what, "suffix", problem, expected)
        _embedded(kvk_number, main[:8], field=field, register=register)
        return text
    if not main.endswith("000"):
        problem = f"an OIN from a {register} ends in 000"
        raise _refused(field, what, "suffix", problem, expected)
    if prefix == "00000001":
        _embedded(rsin, main[:9], field=field, register=register)
    return text


def oin_vouched_by(value: str) -> tuple[str, str] | None:
    """The register number a (valid) OIN is derived from, when it is a KvK number or an RSIN:
    ``("KvK number", "69599084")``; None for OINs of other registers (SubOINs, BRIN, ...)."""
    if value.startswith("00000003"):
        return "KvK number", value[8:16]
    if value.startswith("00000001"):
        return "RSIN", value[8:17]
    return None


def _embedded(
    validator: Callable[[str, str], str], number: str, *, field: str, register: str
) -> None:
    """Check the register number inside an OIN, and report it as the OIN's failure."""
    try:
        validator(number, field)
    except InvalidIdentifier as error:
        failure = "fails the elfproef" if error.check == "checksum" else "is all zeros"
        problem = f"the {register} {number} in it {failure}"
        raise _refused(field, "OIN", error.check, problem, OIN_EXPECTED) from None


_PARTICIPANT_VALUES: dict[Scheme, Callable[[str, str], str]] = {
    "0106": kvk_number,
    "9944": nl_vat_id,
    "0190": oin,
}


def participant_value(scheme: str, value: str) -> tuple[Scheme, str]:
    """A Peppol participant's scheme and value, the value checked as that scheme requires."""
    known = next((candidate for candidate in SCHEMES if candidate == scheme.strip()), None)
    if known is None:
        names = ", ".join(f"{code} ({name})" for code, name in SCHEMES.items())
        message = (
            f"The participant scheme fails the scheme check: {scheme.strip()!r} is not one we "
            f"register; expected one of {names}."
        )
        raise InvalidIdentifier("scheme", "scheme", SCHEME_EXPECTED, message)
    return known, _PARTICIPANT_VALUES[known](value, "value")


def participant_id(scheme: Scheme, value: str) -> str:
    """The participant id as the directory shows it, e.g. ``0106:69599084``."""
    known, checked = participant_value(scheme, value)
    return f"{known}:{checked}"
