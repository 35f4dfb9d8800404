"""What is wrong with a field, in the page's language.

The services say it in English, in the `errors` of a problem: identity about passwords (its
length rule and zxcvbn's feedback), phone numbers and e-mail addresses; organisation about KvK
numbers, RSINs, VAT ids and OINs (each message names the identifier, the check that failed,
what was wrong and what would pass); and pydantic, the gateway's and the services' request
models, by its error type. A Dutch page says each of those in Dutch, keeping what came from
the person (the characters they typed, the numbers); a message it does not know it shows as it
came. The tests feed this the messages the services really write, so the two cannot drift
apart unnoticed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gateway.web.sentences import Sentences, in_dutch

# zxcvbn's feedback (zxcvbn/feedback.py) and identity's own words when zxcvbn has none.
_PASSWORD_ADVICE: dict[str, str] = {
    "This password is too easy to guess.": "Dit wachtwoord is te makkelijk te raden.",
    "Use a few words, avoid common phrases.": (
        "Gebruik een paar woorden en vermijd bekende uitdrukkingen."
    ),
    "No need for symbols, digits, or uppercase letters.": (
        "Symbolen, cijfers of hoofdletters zijn niet nodig."
    ),
    "Add another word or two. Uncommon words are better.": (
        "Voeg nog een of twee woorden toe. Ongewone woorden zijn beter."
    ),
    "Straight rows of keys are easy to guess.": "Rechte rijen toetsen zijn makkelijk te raden.",
    "Short keyboard patterns are easy to guess.": (
        "Korte patronen op het toetsenbord zijn makkelijk te raden."
    ),
    "Use a longer keyboard pattern with more turns.": (
        "Gebruik een langer patroon op het toetsenbord, met meer bochten."
    ),
    'Repeats like "aaa" are easy to guess.': 'Herhalingen zoals "aaa" zijn makkelijk te raden.',
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': (
        'Herhalingen zoals "abcabcabc" zijn maar iets moeilijker te raden dan "abc".'
    ),
    "Avoid repeated words and characters.": "Vermijd herhaalde woorden en tekens.",
    'Sequences like "abc" or "6543" are easy to guess.': (
        'Reeksen zoals "abc" of "6543" zijn makkelijk te raden.'
    ),
    "Avoid sequences.": "Vermijd reeksen.",
    "Recent years are easy to guess.": "Recente jaartallen zijn makkelijk te raden.",
    "Avoid recent years.": "Vermijd recente jaartallen.",
    "Avoid years that are associated with you.": "Vermijd jaartallen die bij jou horen.",
    "Dates are often easy to guess.": "Datums zijn vaak makkelijk te raden.",
    "Avoid dates and years that are associated with you.": (
        "Vermijd datums en jaartallen die bij jou horen."
    ),
    "This is a top-10 common password.": ("Dit is een van de tien meest gebruikte wachtwoorden."),
    "This is a top-100 common password.": (
        "Dit is een van de honderd meest gebruikte wachtwoorden."
    ),
    "This is a very common password.": "Dit is een veelgebruikt wachtwoord.",
    "This is similar to a commonly used password.": "Dit lijkt op een veelgebruikt wachtwoord.",
    "A word by itself is easy to guess.": "Een los woord is makkelijk te raden.",
    "Names and surnames by themselves are easy to guess.": (
        "Losse voor- en achternamen zijn makkelijk te raden."
    ),
    "Common names and surnames are easy to guess.": (
        "Veelvoorkomende voor- en achternamen zijn makkelijk te raden."
    ),
    "Capitalization doesn't help very much.": "Een hoofdletter helpt niet veel.",
    "All-uppercase is almost as easy to guess as all-lowercase.": (
        "Alles in hoofdletters is bijna even makkelijk te raden als alles in kleine letters."
    ),
    "Reversed words aren't much harder to guess.": (
        "Achterstevoren geschreven woorden zijn niet veel moeilijker te raden."
    ),
    "Predictable substitutions like '@' instead of 'a' don't help very much.": (
        "Voorspelbare vervangingen, zoals '@' in plaats van 'a', helpen niet veel."
    ),
}

# Whole sentences of identity's, the gateway's and the organisation's request models.
_SENTENCES: dict[str, str] = {
    "not a phone number; write it like 06 12345678 or +31 6 12345678": (
        "Dit is geen telefoonnummer; schrijf het als 06 12345678 of +31 6 12345678."
    ),
    "this number does not exist; check the digits, and give the country code (like +32) for "
    "a number outside the Netherlands": (
        "Dit nummer bestaat niet; controleer de cijfers, en zet de landcode (zoals +32) voor een "
        "nummer buiten Nederland."
    ),
    "not an e-mail address": "Dit is geen e-mailadres.",
    "not the current password": "Dit is niet je huidige wachtwoord.",
    "not an image: send a JPEG, PNG or WebP photo": (
        "Dit is geen afbeelding; stuur een foto in JPEG, PNG of WebP."
    ),
    "the image is damaged or incomplete and cannot be read": (
        "De afbeelding is beschadigd of onvolledig en kan niet gelezen worden."
    ),
    "must be one of the organisation's identifiers": (
        "Dit moet een van de kenmerken van de organisatie zijn."
    ),
    "must be true or false": "Kies ja of nee.",
    "this field cannot be removed; leave it out to keep it": (
        "Dit kan niet leeg blijven; laat het weg om het te houden."
    ),
    "send {kvk_number} to add from the KvK register, or name and address": (
        "Vul een KvK-nummer in om de organisatie uit het KvK-register te halen, of een naam en "
        "een adres."
    ),
    "an organisation added by hand needs both name and address": (
        "Een organisatie die je zelf invult, heeft een naam én een adres nodig."
    ),
    "from the register, send kvk_number alone; add vat_id or oin afterwards as identifiers": (
        "Vul voor het KvK-register alleen het KvK-nummer in; voeg een btw-id of OIN daarna toe "
        "als kenmerk."
    ),
}

# Sentences of identity's with a number inside.
_NUMBERED: Sentences = (
    (
        re.compile(r"the image is too large: at most (?P<side>\d+) x \d+ pixels"),
        lambda m: f"De afbeelding is te groot: hoogstens {m['side']} bij {m['side']} pixels.",
    ),
    (
        re.compile(r"contains a control character \((?P<code>U\+[0-9A-F]{4})\); remove it"),
        lambda m: f"Hierin staat een stuurteken ({m['code']}); haal het weg.",
    ),
    (
        re.compile(r"a photo has at most (?P<mb>\d+) MB"),
        lambda m: f"Een foto is hoogstens {m['mb']} MB.",
    ),
)


def _numbered(message: str) -> str | None:
    return in_dutch(_NUMBERED, message.removeprefix("Value error, "))


# Organisation's identifiers: "The {what} fails the {check} check: {problem}; expected {...}."
_REFUSED = re.compile(
    r"The (?P<what>.+?) fails the (?P<check>[a-z0-9-]+) check: (?P<problem>.+); expected .+\."
)
_SCHEME_REFUSED = re.compile(
    r"The participant scheme fails the scheme check: (?P<scheme>.*) is not one we register; "
    r"expected one of .+\."
)

# Per identifier: its Dutch name and what would pass.
_IDENTIFIERS: dict[str, tuple[str, str]] = {
    "KvK number": ("KvK-nummer", "8 cijfers, bijvoorbeeld 69599084"),
    "establishment number": ("vestigingsnummer", "12 cijfers, bijvoorbeeld 000038509504"),
    "RSIN": ("RSIN", "9 cijfers die de elfproef doorstaan, bijvoorbeeld 004495445"),
    "Dutch VAT id": (
        "btw-id",
        "NL + 9 cijfers + B + 2 cijfers, bijvoorbeeld NL004495445B01 of, voor een eenmanszaak "
        "sinds 2020, NL000099998B57",
    ),
    "OIN": (
        "OIN",
        "20 cijfers: een registervoorvoegsel van 8 cijfers, het nummer in dat register en het "
        "achtervoegsel 000 of 0000, bijvoorbeeld 00000001003227376000 (uit een RSIN) of "
        "00000003695990840000 (uit een KvK-nummer)",
    ),
}

_CHECKS: dict[str, str] = {
    "required": "verplicht",
    "format": "vorm",
    "length": "lengte",
    "checksum": "controlegetal",
    "country": "landcode",
    "prefix": "voorvoegsel",
    "suffix": "achtervoegsel",
}

# The registers an OIN's prefix names (Logius's table), as organisation names them.
_REGISTERS: dict[str, str] = {
    "RSIN": "RSIN",
    "Fi-number": "fi-nummer",
    "KvK number": "KvK-nummer",
    "SubOIN": "SubOIN",
    "Logius OIN main number": "OIN-hoofdnummer van Logius",
    "BRIN number": "BRIN-nummer",
    "foreign organisation number": "buitenlands organisatienummer",
    "Dezi number of a care provider": "Dezi-nummer van een zorgaanbieder",
    "TRR-BD number": "TRR-BD-nummer",
    "Dezi number of a health insurer": "Dezi-nummer van een zorgverzekeraar",
    "test OIN": "test-OIN",
}


def _register(name: str) -> str:
    return _REGISTERS.get(name, name)


_PROBLEMS: Sentences = (
    (re.compile(r"it is empty"), lambda m: "het is leeg"),
    (
        re.compile(r"it contains (?P<char>.+), and only digits belong in it"),
        lambda m: f"er staat {m['char']} in, en er horen alleen cijfers in",
    ),
    (re.compile(r"it has (?P<n>\d+) digits"), lambda m: f"het heeft {m['n']} cijfers"),
    (re.compile(r"it is all zeros"), lambda m: "het is allemaal nullen"),
    (re.compile(r"it fails the elfproef"), lambda m: "het doorstaat de elfproef niet"),
    (
        re.compile(r"it starts with the country code (?P<code>[A-Z]{2})"),
        lambda m: f"het begint met de landcode {m['code']}",
    ),
    (
        re.compile(
            r"it does not start with the country code NL \(an omzetbelastingnummer is no VAT id\)"
        ),
        lambda m: "het begint niet met de landcode NL (een omzetbelastingnummer is geen btw-id)",
    ),
    (re.compile(r"nothing follows NL"), lambda m: "er staat niets na NL"),
    (
        re.compile(r"it contains (?P<char>.+) after NL, where only digits and one B belong"),
        lambda m: f"er staat {m['char']} na NL, waar alleen cijfers en één B horen",
    ),
    (
        re.compile(r"it needs exactly one letter B between the 9 digits and the last 2"),
        lambda m: "er hoort precies één letter B tussen de 9 cijfers en de laatste 2",
    ),
    (
        re.compile(
            r"it has (?P<before>\d+) digits before the B and (?P<after>\d+) after it"
            r"(?P<zeros> \(leading zeros count\))?"
        ),
        lambda m: (
            f"het heeft {m['before']} cijfers voor de B en {m['after']} erna"
            + (" (voorloopnullen tellen mee)" if m["zeros"] else "")
        ),
    ),
    (re.compile(r"the 9 digits are all zeros"), lambda m: "de 9 cijfers zijn allemaal nullen"),
    (re.compile(r"the 2 digits after B are 00"), lambda m: "de 2 cijfers na de B zijn 00"),
    (
        re.compile(
            r"its 9 digits fail the elfproef of the classic form and the whole id fails the "
            r"mod-97 check of the 2020 sole-trader form"
        ),
        lambda m: (
            "de 9 cijfers doorstaan de elfproef van de klassieke vorm niet, en het hele id "
            "doorstaat de mod-97-controle van de eenmanszaakvorm van 2020 niet"
        ),
    ),
    (
        re.compile(
            r"its first 8 digits (?P<prefix>\d+) are not a register prefix Logius has assigned"
        ),
        lambda m: (
            f"de eerste 8 cijfers, {m['prefix']}, zijn geen registervoorvoegsel dat Logius "
            "heeft uitgegeven"
        ),
    ),
    (
        re.compile(r"an OIN from a KvK number ends in 0000 after the 8-digit KvK number"),
        lambda m: "een OIN uit een KvK-nummer eindigt op 0000, na het KvK-nummer van 8 cijfers",
    ),
    (
        re.compile(r"an OIN from an? (?P<register>.+) ends in 000"),
        lambda m: f"een OIN uit een {_register(m['register'])} eindigt op 000",
    ),
    (
        re.compile(
            r"the (?P<register>.+) (?P<number>\d+) in it "
            r"(?:(?P<elfproef>fails the elfproef)|is all zeros)"
        ),
        lambda m: (
            f"het {_register(m['register'])} {m['number']} erin "
            + ("doorstaat de elfproef niet" if m["elfproef"] else "is allemaal nullen")
        ),
    ),
)


def _identifier(message: str) -> str | None:
    scheme = _SCHEME_REFUSED.fullmatch(message)
    if scheme:
        return (
            f"Deze soort deelnemer-id ({scheme['scheme']}) registreren we niet; kies 0106 "
            "(KvK-nummer), 9944 (btw-id) of 0190 (OIN)."
        )
    refused = _REFUSED.fullmatch(message)
    if refused is None or refused["what"] not in _IDENTIFIERS:
        return None
    name, expected = _IDENTIFIERS[refused["what"]]
    check = _CHECKS.get(refused["check"], refused["check"])
    problem = in_dutch(_PROBLEMS, refused["problem"])
    if problem is None:
        return None
    return f"Het {name} klopt niet ({check}): {problem}. Verwacht: {expected}."


def _password_advice(message: str) -> str:
    """zxcvbn's warning and suggestions, one after another, each said in Dutch."""
    found = [
        (message.index(english), dutch)
        for english, dutch in _PASSWORD_ADVICE.items()
        if english in message
    ]
    said = [dutch for _, dutch in sorted(found)]
    if not said or not said[0].startswith(("Dit ", "Deze ")):
        said.insert(0, _PASSWORD_ADVICE["This password is too easy to guess."])
    return " ".join(said)


_LENGTHS = re.compile(r"(?P<low>\d+) to (?P<high>\d+) characters")
_NUMBER = re.compile(r"\d+")


def _number(context: Mapping[str, Any], key: str, message: str) -> str:
    """A limit from pydantic's context, or else the first number in its message."""
    if key in context:
        return str(context[key])
    found = _NUMBER.search(message)
    return found.group() if found else "?"


def _choices(context: Mapping[str, Any], message: str) -> str:
    expected = str(context.get("expected") or message.removeprefix("Input should be "))
    return expected.replace(" or ", " of ")


def _pydantic(kind: str, message: str, context: Mapping[str, Any]) -> str | None:
    """Pydantic's error types of the request models, by the kind pydantic names."""
    if kind == "missing":
        return "Vul dit in."
    if kind in ("string_too_short", "too_short"):
        least = _number(context, "min_length", message)
        return "Vul dit in." if least == "1" else f"Gebruik minstens {least} tekens."
    if kind in ("string_too_long", "too_long"):
        return f"Gebruik hoogstens {_number(context, 'max_length', message)} tekens."
    if kind == "string_pattern_mismatch":
        return "Dit heeft niet de juiste vorm."
    if kind in ("literal_error", "enum"):
        return f"Kies {_choices(context, message)}."
    if kind in ("bool_parsing", "bool_type"):
        return "Kies ja of nee."
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "Vul een heel getal in."
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_type"):
        return "Vul een datum in, als JJJJ-MM-DD."
    if kind == "greater_than_equal":
        return f"Dit is minstens {_number(context, 'ge', message)}."
    if kind == "less_than_equal":
        return f"Dit is hoogstens {_number(context, 'le', message)}."
    if kind == "value_error":
        if "not a valid email address" in message:
            return "Dit is geen geldig e-mailadres."
        return _SENTENCES.get(message.removeprefix("Value error, "))
    return None


def field_message(error: Mapping[str, Any], language: str) -> str:
    """The message of one field's error, in `language` (as it came when it is not known)."""
    message = str(error.get("message") or "")
    if language == "en":
        return message
    rule = str(error.get("rule") or "")
    context: Mapping[str, Any] = error.get("context") or {}
    dutch: str | None
    if rule == "password-strength":
        dutch = _password_advice(message)
    elif rule == "password-length":
        lengths = _LENGTHS.search(message)
        dutch = (
            f"Een wachtwoord heeft {lengths['low']} tot {lengths['high']} tekens."
            if lengths
            else None
        )
    else:
        dutch = (
            _SENTENCES.get(message)
            or _numbered(message)
            or _identifier(message)
            or _pydantic(rule, message, context)
        )
    return dutch or message
