"""The fake register's answers: KvK's Zoeken v2 and Basisprofiel v1 JSON from a data file.

Each answer is (HTTP status, JSON body). Errors use KvK's body `{"fout": [{code, omschrijving}]}`
and its IPD codes, so a client cannot tell the fake from the register by its shape.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

Answer = tuple[int, dict[str, Any]]
SEARCH_PARAMETERS = {
    "kvknummer",
    "rsin",
    "vestigingsnummer",
    "naam",
    "straatnaam",
    "plaats",
    "postcode",
    "huisnummer",
    "type",
    "inclusiefinactieveregistraties",
    "pagina",
    "resultatenperpagina",
}
PROFILE_PARAMETERS = {"geodata"}
TYPES = ("hoofdvestiging", "nevenvestiging", "rechtspersoon")
FORMATS = {
    "kvknummer": (re.compile(r"\d{8}"), "IPD0004", "Het KVK-nummer {} is niet valide."),
    "rsin": (re.compile(r"\d{9}"), "IPD0010", "Het RSIN-nummer {} is niet valide."),
    "vestigingsnummer": (
        re.compile(r"\d{12}"),
        "IPD0006",
        "Het vestigingsnummer {} is niet valide.",
    ),
}


def fout(status: int, code: str, omschrijving: str) -> Answer:
    """KvK's error answer."""
    return status, {"fout": [{"code": code, "omschrijving": omschrijving}]}


def load_registrations(path: Path | None = None) -> list[dict[str, Any]]:
    """The registrations of the data file (the packaged organisations.json by default)."""
    if path is None:
        text = resources.files("devstack.kvk_fake").joinpath("organisations.json").read_text()
    else:
        text = path.read_text(encoding="utf-8")
    registrations: list[dict[str, Any]] = json.loads(text)["registrations"]
    return registrations


def _hit_address(address: Mapping[str, Any], with_number: bool) -> dict[str, Any]:
    # Zoeken shows postcode and house number only to a search on them, as KvK does.
    keys = ["type", "straatnaam", "plaats"]
    if with_number:
        keys += ["huisnummer", "huisletter", "postcode"]
    return {"binnenlandsAdres": {k: address[k] for k in keys if k in address}}


def _visiting(adressen: list[dict[str, Any]]) -> dict[str, Any] | None:
    candidates = [a for a in adressen if a.get("type") == "bezoekadres"] or adressen
    return candidates[0] if candidates else None


class FakeRegister:
    """Searches and profiles over the registrations, with KvK's rules for parameters."""

    def __init__(self, registrations: list[dict[str, Any]]) -> None:
        self.registrations = {r["kvkNummer"]: r for r in registrations}

    # -- Zoeken v2 -----------------------------------------------------------------------

    def search(self, query: Mapping[str, str], base: str) -> Answer:
        """GET {base}/v2/zoeken with KvK's parameters (names are case-insensitive, as KvK's)."""
        params = {k.lower(): v.strip() for k, v in query.items()}
        unknown = sorted(set(params) - SEARCH_PARAMETERS)
        if unknown:
            return fout(
                400,
                "IPD1999",
                f"De volgende opgegeven parameter(s) is (zijn) ongeldig: {', '.join(unknown)}",
            )
        for name, (pattern, code, text) in FORMATS.items():
            if name in params and not pattern.fullmatch(params[name]):
                return fout(400, code, text.format(params[name]))
        if "type" in params and params["type"].lower() not in TYPES:
            return fout(400, "IPD5203", f"Het opgegeven type {params['type']} is niet valide.")
        try:
            page = int(params.get("pagina", "1"))
            per_page = int(params.get("resultatenperpagina", "10"))
        except ValueError:
            return fout(400, "IPD1998", "Pagina en resultatenPerPagina moeten getallen zijn.")
        if not 1 <= page <= 1000 or not 1 <= per_page <= 100:
            return fout(
                400,
                "IPD1998",
                "Pagina moet tussen 1 en 1000 liggen en resultatenPerPagina tussen 1 en 100.",
            )
        asked = params.get("kvknummer")
        if asked in self.registrations and "fout" in self.registrations[asked]:
            return self._fout_of(self.registrations[asked])
        hits = [hit for r in self.registrations.values() for hit in self._hits(r, params, base)]
        start = (page - 1) * per_page
        shown = hits[start : start + per_page]
        if not shown:
            return fout(404, "IPD5200", "Geen resultaten gevonden voor de opgegeven zoekvraag.")
        link = f"{base}/v2/zoeken?" + "&".join(f"{k}={v}" for k, v in sorted(params.items()))
        body: dict[str, Any] = {
            "pagina": page,
            "resultatenPerPagina": per_page,
            "totaal": len(hits),
            "resultaten": shown,
            "links": [{"rel": "self", "href": link}],
        }
        if start + per_page < len(hits):
            body["volgende"] = page + 1
        if page > 1:
            body["vorige"] = page - 1
        return 200, body

    def _hits(
        self, registration: dict[str, Any], params: Mapping[str, str], base: str
    ) -> list[dict[str, Any]]:
        if "fout" in registration:
            return []
        number = registration["kvkNummer"]
        profile_link = {"rel": "basisprofiel", "href": f"{base}/v1/basisprofielen/{number}"}
        with_number = "postcode" in params or "huisnummer" in params
        hits: list[tuple[dict[str, Any], dict[str, Any] | None, list[str]]] = []
        for branch in registration["vestigingen"]:
            kind = "hoofdvestiging" if branch["hoofdvestiging"] else "nevenvestiging"
            address = _visiting(branch["adressen"])
            hit = {
                "kvkNummer": number,
                "vestigingsnummer": branch["vestigingsnummer"],
                "naam": branch["eersteHandelsnaam"],
                "adres": _hit_address(address, with_number) if address else None,
                "type": kind,
                "links": [
                    profile_link,
                    {
                        "rel": "vestigingsprofiel",
                        "href": f"{base}/v1/vestigingsprofielen/{branch['vestigingsnummer']}",
                    },
                ],
            }
            names = [branch["eersteHandelsnaam"]]
            if branch["hoofdvestiging"]:
                names += registration["handelsnamen"]
            hits.append((hit, address, names))
        if registration.get("rsin"):
            address = self._main_address(registration)
            hit = {
                "kvkNummer": number,
                "naam": registration.get("statutaireNaam") or registration["naam"],
                "adres": _hit_address(address, with_number) if address else None,
                "type": "rechtspersoon",
                "links": [profile_link],
            }
            hits.append((hit, address, [registration["naam"], hit["naam"]]))
        return [
            {k: v for k, v in hit.items() if v is not None}
            for hit, address, names in hits
            if self._matches(registration, hit, address or {}, names, params)
        ]

    @staticmethod
    def _matches(
        registration: dict[str, Any],
        hit: dict[str, Any],
        address: Mapping[str, Any],
        names: list[str],
        params: Mapping[str, str],
    ) -> bool:
        def same(wanted: str, have: Any) -> bool:
            return have is not None and wanted.casefold() == str(have).casefold()

        checks: dict[str, Callable[[str], bool]] = {
            "kvknummer": lambda v: v == hit["kvkNummer"],
            "rsin": lambda v: v == registration.get("rsin"),
            "vestigingsnummer": lambda v: v == hit.get("vestigingsnummer"),
            "naam": lambda v: any(v.casefold() in n.casefold() for n in names),
            "straatnaam": lambda v: v.casefold() in str(address.get("straatnaam", "")).casefold(),
            "plaats": lambda v: same(v, address.get("plaats")),
            "postcode": lambda v: same(v.replace(" ", ""), address.get("postcode")),
            "huisnummer": lambda v: same(v, address.get("huisnummer")),
            "type": lambda v: same(v, hit["type"]),
        }
        return all(check(params[name]) for name, check in checks.items() if name in params)

    # -- Basisprofiel v1 -----------------------------------------------------------------

    def profile(self, number: str, query: Mapping[str, str], base: str) -> Answer:
        """GET {base}/v1/basisprofielen/{kvkNummer} with the main establishment and owner."""
        unknown = sorted({k.lower() for k in query} - PROFILE_PARAMETERS)
        if unknown:
            return fout(
                400,
                "IPD1999",
                f"De volgende opgegeven parameter(s) is (zijn) ongeldig: {', '.join(unknown)}",
            )
        pattern, code, text = FORMATS["kvknummer"]
        if not pattern.fullmatch(number):
            return fout(400, code, text.format(number))
        registration = self.registrations.get(number)
        if registration is None:
            return fout(
                404,
                "IPD0005",
                f"Op basis van het KVK-nummer {number} kan het product niet worden geleverd.",
            )
        if "fout" in registration:
            return self._fout_of(registration)
        return 200, self._profile_body(registration, f"{base}/v1/basisprofielen/{number}")

    def _profile_body(self, registration: dict[str, Any], self_href: str) -> dict[str, Any]:
        started = registration["formeleRegistratiedatum"]
        links = [
            {"rel": "self", "href": self_href},
            {"rel": "vestigingen", "href": f"{self_href}/vestigingen"},
        ]
        owner: dict[str, Any] = {
            "rsin": registration.get("rsin"),
            "rechtsvorm": registration["rechtsvorm"],
            "uitgebreideRechtsvorm": registration["uitgebreideRechtsvorm"],
        }
        embedded: dict[str, Any] = {}
        main = next((b for b in registration["vestigingen"] if b["hoofdvestiging"]), None)
        if main is None:
            # Without establishments KvK shows the addresses in the owner block.
            owner["adressen"] = [self._full_address(a) for a in registration.get("adressen", [])]
        else:
            embedded["hoofdvestiging"] = {
                "vestigingsnummer": main["vestigingsnummer"],
                "kvkNummer": registration["kvkNummer"],
                "formeleRegistratiedatum": started,
                "materieleRegistratie": {"datumAanvang": started},
                "eersteHandelsnaam": main["eersteHandelsnaam"],
                "indHoofdvestiging": "Ja",
                "indCommercieleVestiging": "Ja",
                "totaalWerkzamePersonen": registration["totaalWerkzamePersonen"],
                "adressen": [self._full_address(a) for a in main["adressen"]],
                "links": [{"rel": "basisprofiel", "href": self_href}],
            }
        owner["links"] = [{"rel": "basisprofiel", "href": self_href}]
        embedded["eigenaar"] = {k: v for k, v in owner.items() if v is not None}
        body: dict[str, Any] = {
            "kvkNummer": registration["kvkNummer"],
            "indNonMailing": registration.get("indNonMailing", "Nee"),
            "naam": registration["naam"],
            "formeleRegistratiedatum": started,
            "materieleRegistratie": {"datumAanvang": started},
            "totaalWerkzamePersonen": registration["totaalWerkzamePersonen"],
            "statutaireNaam": registration.get("statutaireNaam"),
            "handelsnamen": [
                {"naam": name, "volgorde": i} for i, name in enumerate(registration["handelsnamen"])
            ],
            "sbiActiviteiten": registration["sbiActiviteiten"],
            "links": links,
            "_embedded": embedded,
        }
        return {k: v for k, v in body.items() if v is not None}

    @staticmethod
    def _full_address(address: Mapping[str, Any]) -> dict[str, Any]:
        number = " ".join(
            str(p)
            for p in (
                address.get("huisnummer") or address.get("postbusnummer"),
                address.get("huisletter"),
                address.get("huisnummerToevoeging"),
            )
            if p
        )
        line = f"{address.get('straatnaam', '')} {number}".strip()
        full = {"indAfgeschermd": "Nee", **address}
        full["volledigAdres"] = f"{line} {address.get('postcode', '')} {address.get('plaats', '')}"
        return full

    def _main_address(self, registration: dict[str, Any]) -> dict[str, Any] | None:
        main = next((b for b in registration["vestigingen"] if b["hoofdvestiging"]), None)
        return _visiting(main["adressen"] if main else registration.get("adressen", []))

    @staticmethod
    def _fout_of(registration: dict[str, Any]) -> Answer:
        error = registration["fout"]
        return fout(int(error["status"]), error["code"], error["omschrijving"])
