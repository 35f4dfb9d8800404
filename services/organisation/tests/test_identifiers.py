"""Dutch identifiers: what a person may type, what comes back, and why a wrong one is refused.

The generators build valid numbers with their own arithmetic (elfproef, ISO 7064 mod 97-10),
not with python-stdnum, so the validators are checked against the rules and not against
themselves.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from organisation.domain.identifiers import (
    SCHEMES,
    InvalidIdentifier,
    establishment_number,
    kvk_number,
    nl_vat_id,
    oin,
    participant_id,
    participant_value,
    rsin,
)

Validator = Callable[[str], str]
NOISE = re.compile(r"[\s.\-]")


def refusal(validator: Validator, value: str) -> InvalidIdentifier:
    with pytest.raises(InvalidIdentifier) as refused:
        validator(value)
    return refused.value


# --- the arithmetic of the registers -------------------------------------------------------


def elfproef(number: str) -> bool:
    """The 11-test of BSN and RSIN: weights 9..2 and -1 over the nine digits."""
    weighted = sum((9 - i) * int(digit) for i, digit in enumerate(number[:8]))
    return (weighted - int(number[8])) % 11 == 0


def as_number(text: str) -> int:
    """ISO 7064 reads letters as numbers: A=10 ... N=23, L=21, B=11."""
    return int("".join(str(int(char, 36)) for char in text))


def mod97(vat_id: str) -> bool:
    return as_number(vat_id) % 97 == 1


# --- generators of valid numbers -----------------------------------------------------------


def digits(count: int) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=count, max_size=count)


def not_all_zeros(text: str) -> bool:
    return text.strip("0") != ""


kvk_numbers = digits(8).filter(not_all_zeros)
establishment_numbers = digits(12).filter(not_all_zeros)


@st.composite
def rsins(draw: st.DrawFn) -> str:
    head = draw(digits(8))
    check = sum((9 - i) * int(digit) for i, digit in enumerate(head)) % 11
    assume(check < 10 and not_all_zeros(head))  # a remainder of 10 has no check digit
    return f"{head}{check}"


serials = st.integers(1, 99).map("{:02d}".format)
classic_vat_ids = st.builds("NL{}B{}".format, rsins(), serials)


@st.composite
def sole_trader_vat_ids(draw: st.DrawFn) -> str:
    number = draw(digits(9).filter(not_all_zeros))
    check = 98 - as_number(f"NL{number}B00") % 97
    return f"NL{number}B{check:02d}"


oins = st.one_of(
    rsins().map("00000001{}000".format),
    kvk_numbers.map("00000003{}0000".format),
    digits(9).filter(not_all_zeros).map("00000004{}000".format),
)

VALIDATORS: list[tuple[str, Validator, st.SearchStrategy[str], int]] = [
    ("kvk number", kvk_number, kvk_numbers, 8),
    ("establishment number", establishment_number, establishment_numbers, 12),
    ("rsin", rsin, rsins(), 9),
    ("oin", oin, oins, 20),
]
ALL_VALID: list[tuple[str, Validator, st.SearchStrategy[str]]] = [
    *((name, validator, valid) for name, validator, valid, _ in VALIDATORS),
    ("classic vat id", nl_vat_id, classic_vat_ids),
    ("sole-trader vat id", nl_vat_id, sole_trader_vat_ids()),
]


@st.composite
def typed_by_a_person(draw: st.DrawFn, canonical: str) -> str:
    """The same identifier with spaces, dots, hyphens and lower case where people put them."""
    separators = st.sampled_from(["", "", "", " ", ".", "-", " . ", "\u00a0"])
    text = draw(separators)
    for char in canonical:
        text += (char.lower() if draw(st.booleans()) else char) + draw(separators)
    return text


def one_digit_changed(number: str, position: int, replacement: str) -> str:
    assume(number[position] != replacement)
    return number[:position] + replacement + number[position + 1 :]


not_a_digit = st.characters().filter(
    lambda char: not NOISE.fullmatch(char) and char not in "0123456789"
)


# --- what a person sees ----------------------------------------------------------------------


@pytest.mark.parametrize("number", ["69599084", "68750110", "69599068", "90004973", "90002903"])
def test_kvks_public_test_numbers_are_kvk_numbers(number: str) -> None:
    assert kvk_number(number) == number


def test_a_kvk_number_may_be_typed_with_spaces_and_dots() -> None:
    assert kvk_number(" 6959 9084 ") == "69599084"
    assert kvk_number("6959.90.84") == "69599084"
    assert establishment_number("0000 3850 9504") == "000038509504"


def test_a_refusal_names_the_field_the_check_and_the_expected_form() -> None:
    refused = refusal(kvk_number, "6959908")
    assert (refused.field, refused.check, refused.expected) == (
        "kvk_number",
        "length",
        "8 digits, e.g. 69599084",
    )
    assert refused.message == (
        "The KvK number fails the length check: it has 7 digits; expected 8 digits, e.g. 69599084."
    )
    assert str(refused) == refused.message
    assert refusal(lambda value: kvk_number(value, "registration"), "x").field == "registration"


@pytest.mark.parametrize(
    ("typed", "vat_id"),
    [
        ("NL004495445B01", "NL004495445B01"),  # classic: the 9 digits pass the elfproef
        ("nl 0044.95.445 b01", "NL004495445B01"),
        ("NL123456782B01", "NL123456782B01"),
        ("NL000099998B57", "NL000099998B57"),  # 2020 sole-trader form, Belastingdienst's example
        ("NL002455799B11", "NL002455799B11"),  # 2020 form, python-stdnum's example
        ("nl-0000-99998-b57", "NL000099998B57"),
        ("NL123456789B13", "NL123456789B13"),  # 2020 form; 123456789 fails the elfproef
    ],
)
def test_both_forms_of_the_dutch_vat_id_are_accepted(typed: str, vat_id: str) -> None:
    assert nl_vat_id(typed) == vat_id


@pytest.mark.parametrize(
    ("typed", "check"),
    [
        ("NL000099998B58", "checksum"),  # 2020 form with a wrong mod-97 check
        ("NL123456789B90", "checksum"),  # neither check holds
        ("NL004495446B01", "checksum"),  # classic form with a wrong digit
        ("NL4495445B01", "length"),  # python-stdnum would pad the missing zeros and accept it
        ("NL0044954450B01", "length"),
        ("NL004495445B1", "length"),
        ("004495445B01", "country"),  # the omzetbelastingnummer, not the btw-id
        ("BE0123456789", "country"),
        ("NL004495445X01", "format"),
        ("NL00449544501", "format"),  # no B
        ("NL000000000B01", "format"),
        ("NL004495445B00", "format"),
        ("NL", "format"),
        ("  ", "required"),
    ],
)
def test_a_wrong_vat_id_is_refused_saying_which_check_failed(typed: str, check: str) -> None:
    refused = refusal(nl_vat_id, typed)
    assert (refused.field, refused.check) == ("vat_id", check)
    assert f"fails the {check} check" in refused.message
    assert refused.expected in refused.message


def test_the_classic_form_checks_only_the_nine_digits() -> None:
    """The two digits after B number the VAT registrations of one RSIN; no check covers them."""
    assert nl_vat_id("NL004495445B02") == "NL004495445B02"


def test_one_changed_digit_can_turn_a_classic_vat_id_into_a_valid_sole_trader_id() -> None:
    """Both forms share one shape, so a typo can land on a valid id of the other form."""
    assert elfproef("004495445") and not elfproef("004095445")
    assert mod97("NL004095445B01")
    assert nl_vat_id("NL004095445B01") == "NL004095445B01"


@pytest.mark.parametrize(
    "number",
    [
        "00000001003227376000",  # Ministerie van Algemene Zaken: RSIN 003227376
        "00000001822477348000",  # Logius: RSIN 822477348
        "00000004194049711000",  # a SubOIN (Logius' Digilevering Integrator)
        "00000003695990840000",  # from KvK number 69599084
        "0000 0001 0032 2737 6000",
        "00000099123456789012",  # a test OIN: only its prefix is fixed
    ],
)
def test_oins_built_as_logius_documents_them_are_accepted(number: str) -> None:
    assert oin(number) == number.replace(" ", "")


@pytest.mark.parametrize(
    ("number", "check"),
    [
        ("00000001003227377000", "checksum"),  # the RSIN inside fails the elfproef
        ("00000001003227376001", "suffix"),
        ("00000003695990841234", "suffix"),
        ("00000003000000000000", "format"),  # no KvK number inside
        ("00000005695990840000", "prefix"),  # 00000005 is not assigned
        ("12345678901234567890", "prefix"),
        ("0000000100322737600", "length"),
        ("0000000100322737600O", "format"),
    ],
)
def test_a_wrong_oin_is_refused_saying_which_part_is_wrong(number: str, check: str) -> None:
    refused = refusal(oin, number)
    assert (refused.field, refused.check) == ("oin", check)


def test_an_rsin_must_pass_the_elfproef_and_have_all_nine_digits() -> None:
    assert rsin("822477348") == "822477348"
    assert refusal(rsin, "822477349").check == "checksum"
    assert refusal(rsin, "82247734").check == "length"  # python-stdnum would pad it
    assert refusal(rsin, "000000000").check == "format"


def test_participant_values_are_checked_by_their_scheme() -> None:
    assert participant_value("0106", "6959 9084") == ("0106", "69599084")
    assert participant_value(" 9944 ", "nl004495445b01") == ("9944", "NL004495445B01")
    assert participant_value("0190", "00000003695990840000") == ("0190", "00000003695990840000")
    assert set(SCHEMES) == {"0106", "9944", "0190"}
    refused = refusal(lambda value: participant_value("0106", value)[1], "1234")
    assert (refused.field, refused.check) == ("value", "length")


def test_an_unknown_scheme_is_refused_naming_the_schemes_we_register() -> None:
    refused = refusal(lambda value: participant_value(value, "69599084")[1], "0088")
    assert (refused.field, refused.check, refused.expected) == (
        "scheme",
        "scheme",
        "0106, 9944 or 0190",
    )
    assert "0106 (KvK number)" in refused.message


def test_a_participant_id_joins_scheme_and_normalised_value() -> None:
    assert participant_id("0106", "6959 9084") == "0106:69599084"
    assert participant_id("9944", "nl 004495445 b01") == "9944:NL004495445B01"
    with pytest.raises(InvalidIdentifier):
        participant_id("0190", "123")


# --- properties over the whole input space -------------------------------------------------


@pytest.mark.parametrize(
    ("name", "validator", "valid"), ALL_VALID, ids=[row[0] for row in ALL_VALID]
)
@given(data=st.data())
def test_valid_numbers_are_accepted_however_they_are_typed(
    name: str, validator: Validator, valid: st.SearchStrategy[str], data: st.DataObject
) -> None:
    canonical = data.draw(valid, label="canonical")
    typed = data.draw(typed_by_a_person(canonical), label="typed")
    assert validator(typed) == canonical
    assert validator(validator(typed)) == validator(typed)


@given(number=rsins(), position=st.integers(0, 8), replacement=st.sampled_from("0123456789"))
def test_one_changed_digit_of_an_rsin_fails_the_checksum(
    number: str, position: int, replacement: str
) -> None:
    assert refusal(rsin, one_digit_changed(number, position, replacement)).check == "checksum"
    inside_an_oin = f"00000001{one_digit_changed(number, position, replacement)}000"
    assert refusal(oin, inside_an_oin).check == "checksum"


@given(
    vat_id=classic_vat_ids, position=st.integers(2, 10), replacement=st.sampled_from("0123456789")
)
def test_one_changed_digit_of_a_classic_vat_id_fails_the_checksum(
    vat_id: str, position: int, replacement: str
) -> None:
    changed = one_digit_changed(vat_id, position, replacement)
    # Unless the typo happens to be a valid sole-trader id (see the test above): about 1 in 97.
    assume(not mod97(changed))
    assert refusal(nl_vat_id, changed).check == "checksum"


@given(
    vat_id=sole_trader_vat_ids(),
    position=st.sampled_from([*range(2, 11), 12, 13]),
    replacement=st.sampled_from("0123456789"),
)
def test_one_changed_digit_of_a_sole_trader_vat_id_is_refused(
    vat_id: str, position: int, replacement: str
) -> None:
    changed = one_digit_changed(vat_id, position, replacement)
    assume(not elfproef(changed[2:11]))  # else it is a valid classic id: about 1 in 11
    assert refusal(nl_vat_id, changed).check in {"checksum", "format"}  # format: B00
    assert not mod97(changed)  # mod 97 catches every single-digit change


@pytest.mark.parametrize(
    ("name", "validator", "valid", "length"), VALIDATORS, ids=[row[0] for row in VALIDATORS]
)
@given(data=st.data())
def test_a_wrong_number_of_digits_fails_the_length_check(
    name: str, validator: Validator, valid: st.SearchStrategy[str], length: int, data: st.DataObject
) -> None:
    count = data.draw(st.integers(1, 30).filter(lambda count: count != length), label="count")
    assert refusal(validator, data.draw(digits(count))).check == "length"


@given(
    before=st.integers(1, 15).filter(lambda count: count != 9),
    after=st.integers(1, 4).filter(lambda count: count != 2),
    data=st.data(),
)
def test_a_vat_id_with_the_wrong_number_of_digits_fails_the_length_check(
    before: int, after: int, data: st.DataObject
) -> None:
    for shape in ((before, 2), (9, after), (before, after)):
        number, serial = (data.draw(digits(count)) for count in shape)
        assert refusal(nl_vat_id, f"NL{number}B{serial}").check == "length"


@pytest.mark.parametrize(
    ("name", "validator", "valid"), ALL_VALID, ids=[row[0] for row in ALL_VALID]
)
@given(data=st.data())
def test_a_character_that_is_not_a_digit_fails_the_format_check(
    name: str, validator: Validator, valid: st.SearchStrategy[str], data: st.DataObject
) -> None:
    canonical = data.draw(valid, label="canonical")
    first = 2 if canonical.startswith("NL") else 0  # letters before NL change the country
    position = data.draw(st.integers(first, len(canonical)), label="position")
    stray = data.draw(not_a_digit, label="stray")
    refused = refusal(validator, canonical[:position] + stray + canonical[position:])
    assert refused.check == "format"
    assert "fails the format check" in refused.message


@pytest.mark.parametrize("validator", [kvk_number, establishment_number, rsin, oin, nl_vat_id])
@given(text=st.text())
def test_any_text_is_either_an_identifier_or_a_refusal_with_a_reason(
    validator: Validator, text: str
) -> None:
    try:
        canonical = validator(text)
    except InvalidIdentifier as refused:
        assert f"fails the {refused.check} check" in refused.message
        assert refused.message.endswith(f"expected {refused.expected}.")
    else:
        assert validator(canonical) == canonical
