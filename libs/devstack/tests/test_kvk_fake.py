"""The fake KvK register: its data set, KvK's rules for questions, and its own process."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from devstack import KVK_TEST_API_KEY, KvkFakeProcess, free_port
from devstack.kvk_fake import FakeRegister, load_registrations

TEST_NUMBERS = {"69599084", "68750110", "69599068"}
ERROR_NUMBERS = {"90004973", "90002903"}
POSTCODE = re.compile(r"[1-9]\d{3}(?!SA|SD|SS)[A-Z]{2}")
BASE = "http://fake/api"


def _elfproef(rsin: str) -> bool:
    digits = [int(d) for d in rsin]
    return sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=False)) % 11 == digits[8]


@pytest.fixture(scope="module")
def registrations() -> list[dict[str, Any]]:
    return load_registrations()


@pytest.fixture(scope="module")
def register(registrations: list[dict[str, Any]]) -> FakeRegister:
    return FakeRegister(registrations)


def test_the_data_holds_kvks_test_numbers_its_error_cases_and_fifty_made_up_organisations(
    registrations: list[dict[str, Any]],
) -> None:
    numbers = [r["kvkNummer"] for r in registrations]
    assert len(numbers) == len(set(numbers))
    assert set(numbers) >= TEST_NUMBERS | ERROR_NUMBERS
    made_up = [r for r in registrations if r["kvkNummer"] not in TEST_NUMBERS | ERROR_NUMBERS]
    assert len(made_up) >= 50
    forms = {r["rechtsvorm"] for r in made_up}
    assert {"Besloten Vennootschap", "Eenmanszaak", "Stichting"} <= forms
    cities = {a["plaats"] for r in made_up for b in r["vestigingen"] for a in b["adressen"]}
    assert len(cities) >= 15


def test_every_identifier_and_address_in_the_data_has_a_valid_dutch_form(
    registrations: list[dict[str, Any]],
) -> None:
    establishments: list[str] = []
    for r in registrations:
        assert re.fullmatch(r"\d{8}", r["kvkNummer"])
        if "fout" in r:
            continue
        if r["rechtsvorm"] == "Eenmanszaak":
            assert "rsin" not in r, r["naam"]
        else:
            assert re.fullmatch(r"\d{9}", r["rsin"]) and _elfproef(r["rsin"]), r["naam"]
        assert sum(b["hoofdvestiging"] for b in r["vestigingen"]) <= 1
        for branch in r["vestigingen"]:
            assert re.fullmatch(r"\d{12}", branch["vestigingsnummer"])
            establishments.append(branch["vestigingsnummer"])
        for address in [a for b in r["vestigingen"] for a in b["adressen"]] + r.get("adressen", []):
            assert POSTCODE.fullmatch(address["postcode"]), address
    assert len(establishments) == len(set(establishments))


def test_a_search_answers_kvks_zoeken_v2_shape_with_paging(register: FakeRegister) -> None:
    status, first = register.search({"naam": "stichting", "resultatenPerPagina": "4"}, BASE)
    assert status == 200
    assert set(first) >= {"pagina", "resultatenPerPagina", "totaal", "resultaten", "links"}
    assert first["pagina"] == 1 and first["volgende"] == 2 and len(first["resultaten"]) == 4
    hit = first["resultaten"][0]
    assert set(hit) >= {"kvkNummer", "naam", "adres", "type", "links"}
    assert set(hit["adres"]["binnenlandsAdres"]) == {"type", "straatnaam", "plaats"}

    last_page = -(-first["totaal"] // 4)
    status, last = register.search(
        {"naam": "stichting", "resultatenPerPagina": "4", "pagina": str(last_page)}, BASE
    )
    assert status == 200 and "volgende" not in last and last["vorige"] == last_page - 1
    status, beyond = register.search(
        {"naam": "stichting", "resultatenPerPagina": "4", "pagina": str(last_page + 1)}, BASE
    )
    assert (status, beyond["fout"][0]["code"]) == (404, "IPD5200")


def test_a_sole_trader_has_no_legal_person_hit_and_a_bv_has_one(register: FakeRegister) -> None:
    _, dagobert = register.search({"kvkNummer": "69599084"}, BASE)
    assert [h["type"] for h in dagobert["resultaten"]] == ["hoofdvestiging", "nevenvestiging"]
    _, donald = register.search({"kvkNummer": "68750110"}, BASE)
    assert [h["type"] for h in donald["resultaten"]] == ["hoofdvestiging", "rechtspersoon"]
    assert "vestigingsnummer" not in donald["resultaten"][1]


def test_postcode_and_house_number_show_only_to_a_search_on_them(register: FakeRegister) -> None:
    status, body = register.search({"postcode": "8823 SJ", "huisnummer": "3"}, BASE)
    assert status == 200
    address = body["resultaten"][0]["adres"]["binnenlandsAdres"]
    assert (address["postcode"], address["huisnummer"]) == ("8823SJ", 3)


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"kvkNummer": "6959908"}, "IPD0004"),
        ({"rsin": "12"}, "IPD0010"),
        ({"vestigingsnummer": "0000385"}, "IPD0006"),
        ({"type": "filiaal"}, "IPD5203"),
        ({"naam": "x", "pagina": "0"}, "IPD1998"),
        ({"naam": "x", "resultatenPerPagina": "veel"}, "IPD1998"),
        ({"handelsnaam": "x"}, "IPD1999"),
    ],
)
def test_questions_kvk_refuses_are_refused_with_its_codes(
    register: FakeRegister, query: dict[str, str], code: str
) -> None:
    status, body = register.search(query, BASE)
    assert (status, body["fout"][0]["code"]) == (400, code)


def test_a_profile_answers_kvks_basisprofiel_v1_shape(register: FakeRegister) -> None:
    status, body = register.profile("68750110", {}, BASE)
    assert status == 200
    assert set(body) >= {
        "kvkNummer",
        "naam",
        "formeleRegistratiedatum",
        "totaalWerkzamePersonen",
        "handelsnamen",
        "sbiActiviteiten",
        "_embedded",
    }
    main = body["_embedded"]["hoofdvestiging"]
    assert main["vestigingsnummer"] == "000037178598"
    assert [a["type"] for a in main["adressen"]] == ["correspondentieadres", "bezoekadres"]
    assert body["_embedded"]["eigenaar"]["rsin"] == "857587973"
    assert register.profile("68750110", {"geoData": "true"}, BASE)[0] == 200
    assert register.profile("68750110", {"foo": "1"}, BASE)[1]["fout"][0]["code"] == "IPD1999"


def test_the_error_cases_answer_their_status_and_code(register: FakeRegister) -> None:
    assert register.profile("90004973", {}, BASE) == (
        404,
        {
            "fout": [
                {
                    "code": "IPD0005",
                    "omschrijving": "Op basis van het KVK-nummer 90004973 kan het product "
                    "niet worden geleverd.",
                }
            ]
        },
    )
    status, body = register.profile("90002903", {}, BASE)
    assert (status, body["fout"][0]["code"]) == (500, "IPD9999")
    assert register.search({"kvkNummer": "90002903"}, BASE)[0] == 500
    assert register.profile("1234567", {}, BASE)[1]["fout"][0]["code"] == "IPD0004"
    assert register.profile("11111111", {}, BASE)[1]["fout"][0]["code"] == "IPD0005"


def _get(url: str, key: str | None = KVK_TEST_API_KEY) -> tuple[int, Any]:
    request = urllib.request.Request(url, headers={"apikey": key} if key else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[KvkFakeProcess]:
    process = KvkFakeProcess(free_port(), log_file=tmp_path / "kvk-fake.log")
    process.start()
    try:
        yield process
    finally:
        process.stop()


def test_the_fake_runs_as_its_own_process_and_wants_an_api_key(fake: KvkFakeProcess) -> None:
    assert fake.url == f"http://127.0.0.1:{fake.port}/api"
    status, body = _get(f"{fake.url}/v1/basisprofielen/69599068")
    assert status == 200 and body["naam"] == "Test Stichting Bolderbast"
    assert body["links"][0]["href"] == f"{fake.url}/v1/basisprofielen/69599068"
    assert _get(f"{fake.url}/v1/basisprofielen/69599068", key=None)[0] == 401
    assert _get(f"{fake.url}/v1/basisprofielen/69599068", key="any-other-key")[0] == 200
    assert _get(f"{fake.url}/v3/anders")[0] == 404
    assert "kvk_request" in fake.log_tail()


def test_the_fake_reads_another_data_file_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    data = tmp_path / "register.json"
    one = load_registrations()[1]
    data.write_text(json.dumps({"registrations": [one]}))
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack.kvk_fake", "--port", str(port), "--data", str(data)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/api/v2/zoeken?naam=test")
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert status == 200 and {h["kvkNummer"] for h in body["resultaten"]} == {"68750110"}
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0
    finally:
        process.kill()
        process.wait()
