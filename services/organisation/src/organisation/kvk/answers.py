"""KvK's JSON (Zoeken v2, Basisprofiel v1, the `fout` error body) read into our models."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from organisation.kvk.errors import KvkError, KvkNumberUnknown, KvkRefused, KvkUnavailable
from organisation.kvk.models import KvkAddress, KvkProfile, KvkSearchResult

COUNTRIES = {"nederland": "NL", "belgie": "BE", "belgië": "BE", "duitsland": "DE"}
# IPD codes that mean "not now" rather than "no": the data is being processed.
LATER = {"IPD1002": 60, "IPD1003": 300}
UNKNOWN_NUMBER = {"IPD0005", "IPD0001"}
RETRY_SERVER_ERROR = 30
RETRY_RATE_LIMITED = 60
RETRY_KEY_REFUSED = 300


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _country(land: Any) -> str:
    name = _text(land)
    if name is None:
        return "NL"
    if len(name) == 2 and name.isalpha():
        return name.upper()
    return COUNTRIES.get(name.casefold(), name)


def _house_number(fields: Mapping[str, Any]) -> str | None:
    number = _text(fields.get("huisnummer")) or _text(fields.get("postbusnummer"))
    if number is None:
        return None
    # KvK writes a house letter against the number (12A) and an addition apart (3 A, 3 bis).
    letter = _text(fields.get("huisletter")) or ""
    addition = _text(fields.get("huisnummerToevoeging"))
    return f"{number}{letter}" + (f" {addition}" if addition else "")


def address_from(fields: Mapping[str, Any]) -> KvkAddress:
    """One KvK address (a Basisprofiel `adressen` item or a Zoeken `binnenlandsAdres`)."""
    return KvkAddress(
        street=_text(fields.get("straatnaam")),
        house_number=_house_number(fields),
        postal_code=_text(fields.get("postcode")),
        city=_text(fields.get("plaats")),
        country=_country(fields.get("land")),
    )


def _search_address(adres: Any) -> KvkAddress | None:
    if not isinstance(adres, Mapping):
        return None
    domestic = adres.get("binnenlandsAdres")
    if isinstance(domestic, Mapping):
        return address_from(domestic)
    foreign = adres.get("buitenlandsAdres")
    if isinstance(foreign, Mapping):
        return KvkAddress(
            street=_text(foreign.get("straatHuisnummer")),
            city=_text(foreign.get("postcodeWoonplaats")),
            country=_country(foreign.get("land")),
        )
    return None


def _bad_answer(what: str) -> KvkUnavailable:
    return KvkUnavailable("kvk_bad_answer", f"The KvK register sent an unreadable answer: {what}.")


def search_results_from(body: Any) -> list[KvkSearchResult]:
    """The `resultaten` of a Zoeken v2 answer."""
    if not isinstance(body, Mapping) or not isinstance(body.get("resultaten", []), list):
        raise _bad_answer("no list of resultaten in the search answer")
    results = []
    for hit in body.get("resultaten", []):
        if not isinstance(hit, Mapping) or not _text(hit.get("kvkNummer")):
            raise _bad_answer("a search hit without kvkNummer")
        results.append(
            KvkSearchResult(
                kvk_number=str(hit["kvkNummer"]),
                establishment_number=_text(hit.get("vestigingsnummer")),
                name=_text(hit.get("naam")) or _text(hit.get("handelsnaam")) or "",
                type=_text(hit.get("type")) or "onbekend",
                address=_search_address(hit.get("adres")),
            )
        )
    return results


def _preferred_address(adressen: Any) -> KvkAddress | None:
    if not isinstance(adressen, list) or not adressen:
        return None
    items = [a for a in adressen if isinstance(a, Mapping)]
    visiting = [a for a in items if a.get("type") == "bezoekadres"]
    candidates = visiting or items
    return address_from(candidates[0]) if candidates else None


def profile_from(body: Any) -> KvkProfile:
    """A Basisprofiel v1 answer with its embedded main establishment and owner."""
    if not isinstance(body, Mapping) or not _text(body.get("kvkNummer")):
        raise _bad_answer("a profile without kvkNummer")
    embedded = body.get("_embedded") if isinstance(body.get("_embedded"), Mapping) else {}
    main = embedded.get("hoofdvestiging") if isinstance(embedded, Mapping) else None
    owner = embedded.get("eigenaar") if isinstance(embedded, Mapping) else None
    main = main if isinstance(main, Mapping) else {}
    owner = owner if isinstance(owner, Mapping) else {}
    # Without establishments (a foundation without business) the owner carries the address.
    address = _preferred_address(main.get("adressen")) or _preferred_address(owner.get("adressen"))
    return KvkProfile(
        kvk_number=str(body["kvkNummer"]),
        name=_text(body.get("naam"))
        or _text(body.get("statutaireNaam"))
        or _text(main.get("eersteHandelsnaam"))
        or "",
        establishment_number=_text(main.get("vestigingsnummer")),
        legal_form=_text(owner.get("rechtsvorm")) or _text(owner.get("uitgebreideRechtsvorm")),
        rsin=_text(owner.get("rsin")) or _text(main.get("rsin")),
        address=address,
    )


def first_fout(body: Any) -> tuple[str, str] | None:
    """KvK's first (code, omschrijving) from `{"fout": [...]}` or `{"meldingen": {"fout": ...}}`."""
    if not isinstance(body, Mapping):
        return None
    fout = body.get("fout")
    if fout is None and isinstance(body.get("meldingen"), Mapping):
        fout = body["meldingen"].get("fout")
    if not isinstance(fout, list) or not fout or not isinstance(fout[0], Mapping):
        return None
    code = _text(fout[0].get("code"))
    if code is None:
        return None
    return code, _text(fout[0].get("omschrijving")) or code


def error_from(status: int, body: Any, retry_after: int | None, asked: str) -> KvkError:
    """The typed error for a non-200 answer to `asked` (a sentence naming the question)."""
    fout = first_fout(body)
    code, said = fout if fout else (f"http_{status}", f"HTTP {status}")
    if code in LATER:
        return KvkUnavailable(
            code, f"The KvK register cannot answer {asked} now: {said}", retry_after or LATER[code]
        )
    if status == 429:
        return KvkUnavailable(
            code if fout else "kvk_rate_limited",
            f"The KvK register asks us to slow down ({said}); try {asked} again later.",
            retry_after or RETRY_RATE_LIMITED,
        )
    if status >= 500:
        return KvkUnavailable(
            code, f"The KvK register failed on {asked}: {said}", retry_after or RETRY_SERVER_ERROR
        )
    if status in (401, 403):
        # Not the user's fault and not theirs to fix: the platform's API key is wrong.
        return KvkUnavailable(
            code if fout else "kvk_api_key_refused",
            f"The KvK register refused this platform's API key (HTTP {status}); "
            "an operator must check KVK_API_KEY.",
            retry_after or RETRY_KEY_REFUSED,
        )
    if status == 404 and fout is None:
        # KvK always explains a 404; a bare one means KVK_BASE_URL points at the wrong place.
        return KvkUnavailable(
            "kvk_wrong_address",
            f"The KvK register's address answered HTTP 404 to {asked} without a KvK error; "
            "an operator must check KVK_BASE_URL.",
            retry_after or RETRY_KEY_REFUSED,
        )
    if status == 404 or code in UNKNOWN_NUMBER:
        return KvkNumberUnknown(code, f"The KvK register has no profile for {asked}: {said}")
    return KvkRefused(code, f"The KvK register refused {asked}: {said}")
