"""Verifying a VAT id: the fake used in development, and the VIES client against recorded answers.

VIES cannot be reached from the test machines, so its answers below are recorded in the shape
its REST API documents (POST check-vat-number, `errorWrappers` on errors, `---` for a name a
member state withholds) and served by httpx.MockTransport or by a local HTTP server.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from devstack import free_port
from organisation.domain.identifiers import InvalidIdentifier, nl_vat_id
from organisation.settings import OrganisationSettings
from organisation.vat_check import (
    NOT_REGISTERED,
    FakeVatChecker,
    VatChecker,
    VatCheckUnavailable,
    VatVerification,
    ViesVatChecker,
    vat_checker_from_settings,
)

NOON = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)
VIES = "https://vies.example/taxation_customs/vies/rest-api"

Answer = tuple[int, dict[str, Any]]


def recorded(vat_number: str, *, valid: bool, name: str, address: str = "---") -> dict[str, Any]:
    """A check-vat-number answer as VIES gives it, approximate-match fields included."""
    return {
        "countryCode": "NL",
        "vatNumber": vat_number,
        "requestDate": "2025-03-04T11:59:58.120Z",
        "valid": valid,
        "requestIdentifier": "",
        "name": name,
        "address": address,
        "traderName": "---",
        "traderStreet": "---",
        "traderPostalCode": "---",
        "traderCity": "---",
        "traderCompanyType": "---",
        "traderNameMatch": "NOT_PROCESSED",
        "traderStreetMatch": "NOT_PROCESSED",
        "traderPostalCodeMatch": "NOT_PROCESSED",
        "traderCityMatch": "NOT_PROCESSED",
        "traderCompanyTypeMatch": "NOT_PROCESSED",
    }


def vies_error(code: str) -> dict[str, Any]:
    return {"actionSucceed": False, "errorWrappers": [{"error": code, "message": None}]}


REGISTERED = recorded(
    "004495445B01", valid=True, name="BAKKERIJ DE VRIES B.V.", address="DORPSSTRAAT 1\n1234AB LAREN"
)
NAME_WITHHELD = recorded("000099998B57", valid=True, name="---")
UNKNOWN_TO_THE_REGISTER = recorded("123456782B01", valid=False, name="---")


class MockVies:
    """httpx.MockTransport answering with one recorded answer, remembering the questions."""

    def __init__(self, status: int, answer: dict[str, Any] | str, **headers: str) -> None:
        self.status, self.answer, self.headers = status, answer, headers
        self.questions: list[httpx.Request] = []

    def checker(self) -> ViesVatChecker:
        return ViesVatChecker(VIES, transport=httpx.MockTransport(self._answer), clock=lambda: NOON)

    def _answer(self, request: httpx.Request) -> httpx.Response:
        self.questions.append(request)
        if isinstance(self.answer, str):
            return httpx.Response(self.status, text=self.answer, headers=self.headers)
        return httpx.Response(self.status, json=self.answer, headers=self.headers)


async def verify_with(vies: MockVies, vat_id: str) -> VatVerification:
    checker = vies.checker()
    try:
        return await checker.verify(vat_id)
    finally:
        await checker.aclose()


async def unavailable(vies: MockVies, vat_id: str = "NL004495445B01") -> VatCheckUnavailable:
    with pytest.raises(VatCheckUnavailable) as raised:
        await verify_with(vies, vat_id)
    return raised.value


# --- the fake ------------------------------------------------------------------------------


async def test_the_fake_finds_every_well_formed_vat_id_registered() -> None:
    checker: VatChecker = FakeVatChecker(clock=lambda: NOON)
    for typed, vat_id in [
        ("nl 0044.95.445 b01", "NL004495445B01"),
        ("NL000099998B57", "NL000099998B57"),
        ("NL123456789B13", "NL123456789B13"),
    ]:
        assert await checker.verify(typed) == VatVerification(
            vat_id=vat_id, valid=True, name=None, checked_at=NOON
        )


async def test_the_fake_does_not_know_its_documented_unregistered_numbers() -> None:
    checker = FakeVatChecker()
    assert len(NOT_REGISTERED) == 2
    for vat_id in NOT_REGISTERED:
        assert nl_vat_id(vat_id) == vat_id  # well formed: only a register can refuse them
        assert (await checker.verify(vat_id.lower())).valid is False
    classic, sole_trader = sorted(NOT_REGISTERED)
    assert (classic, sole_trader) == ("NL999999990B01", "NL999999999B67")


async def test_the_fake_can_name_registrants_and_simulate_an_outage() -> None:
    checker = FakeVatChecker(names={"nl004495445b01": "Bakkerij de Vries B.V."})
    assert (await checker.verify("NL004495445B01")).name == "Bakkerij de Vries B.V."
    checker.simulate_outage(retry_after=45)
    with pytest.raises(VatCheckUnavailable) as raised:
        await checker.verify("NL004495445B01")
    assert raised.value.retry_after == 45
    checker.end_outage()
    assert (await checker.verify("NL004495445B01")).valid


async def test_a_malformed_vat_id_is_refused_before_any_register_is_asked() -> None:
    with pytest.raises(InvalidIdentifier) as refused:
        await FakeVatChecker().verify("NL000099998B58")
    assert refused.value.check == "checksum"

    vies = MockVies(200, REGISTERED)
    with pytest.raises(InvalidIdentifier):
        await verify_with(vies, "NL4495445B01")
    assert vies.questions == []


# --- VIES answers ----------------------------------------------------------------------------


async def test_vies_is_asked_about_the_dutch_number_without_its_country_code() -> None:
    vies = MockVies(200, REGISTERED)
    verification = await verify_with(vies, "nl 004495445 b01")
    assert verification == VatVerification(
        vat_id="NL004495445B01", valid=True, name="BAKKERIJ DE VRIES B.V.", checked_at=NOON
    )
    [question] = vies.questions
    assert (question.method, str(question.url)) == ("POST", f"{VIES}/check-vat-number")
    assert json.loads(question.content) == {"countryCode": "NL", "vatNumber": "004495445B01"}


async def test_a_name_the_member_state_withholds_is_no_name() -> None:
    verification = await verify_with(MockVies(200, NAME_WITHHELD), "NL000099998B57")
    assert (verification.valid, verification.name) == (True, None)


async def test_a_number_vies_does_not_know_is_not_registered() -> None:
    verification = await verify_with(MockVies(200, UNKNOWN_TO_THE_REGISTER), "NL123456782B01")
    assert (verification.valid, verification.name) == (False, None)


@pytest.mark.parametrize(
    ("status", "code", "retry_after"),
    [
        (500, "MS_MAX_CONCURRENT_REQ", 10),
        (500, "GLOBAL_MAX_CONCURRENT_REQ", 10),
        (500, "MS_UNAVAILABLE", 60),
        (500, "SERVICE_UNAVAILABLE", 60),
        (500, "TIMEOUT", 60),
        (400, "INVALID_INPUT", 3600),
        (403, "IP_BLOCKED", 3600),
    ],
)
async def test_a_vies_error_is_no_verdict_but_a_reason_to_ask_later(
    status: int, code: str, retry_after: int
) -> None:
    refused = await unavailable(MockVies(status, vies_error(code)))
    assert (refused.code, refused.retry_after) == (code, retry_after)


async def test_vies_may_say_when_to_ask_again() -> None:
    refused = await unavailable(
        MockVies(500, vies_error("MS_UNAVAILABLE"), **{"Retry-After": "120"})
    )
    assert refused.retry_after == 120


async def test_an_answer_without_a_verdict_is_no_verdict() -> None:
    gateway_page = "<html><body>503 Service Temporarily Unavailable</body></html>"
    assert (await unavailable(MockVies(503, gateway_page))).code == "http_503"
    assert (await unavailable(MockVies(200, {"countryCode": "NL"}))).code == "unreadable"
    busy_verdict = {**UNKNOWN_TO_THE_REGISTER, "userError": "MS_MAX_CONCURRENT_REQ"}
    assert (await unavailable(MockVies(200, busy_verdict))).code == "MS_MAX_CONCURRENT_REQ"


# --- VIES over real HTTP -----------------------------------------------------------------------


@asynccontextmanager
async def local_vies(answer: Callable[[dict[str, Any]], Answer] | None) -> AsyncIterator[str]:
    """A local HTTP server at the returned base URL; `None` accepts and never answers."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            if answer is None:
                await reader.read()  # until the client gives up
                return
            lines = head.decode("latin-1").split("\r\n")
            headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
            length = int({k.lower(): v for k, v in headers.items()}.get("content-length", "0"))
            assert lines[0] == "POST /rest-api/check-vat-number HTTP/1.1"
            status, body = answer(json.loads(await reader.readexactly(length)))
            payload = json.dumps(body).encode()
            writer.write(
                f"HTTP/1.1 {status} Answer\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode()
                + payload
            )
            await writer.drain()
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/rest-api"
    finally:
        server.close()
        await server.wait_closed()


def recorded_register(question: dict[str, Any]) -> Answer:
    known = {"004495445B01": REGISTERED, "123456782B01": UNKNOWN_TO_THE_REGISTER}
    assert question["countryCode"] == "NL"
    return 200, known[question["vatNumber"]]


async def test_settings_choose_vies_and_where_it_lives(monkeypatch: pytest.MonkeyPatch) -> None:
    async with local_vies(recorded_register) as base_url:
        monkeypatch.setenv("VAT_CHECK", "vies")
        monkeypatch.setenv("VIES_BASE_URL", base_url)
        checker = vat_checker_from_settings(OrganisationSettings())
        assert isinstance(checker, ViesVatChecker)
        try:
            assert (await checker.verify("NL004495445B01")).valid is True
            assert (await checker.verify("NL123456782B01")).valid is False
        finally:
            await checker.aclose()


def test_the_fake_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VAT_CHECK", raising=False)
    assert isinstance(vat_checker_from_settings(OrganisationSettings()), FakeVatChecker)


async def test_vies_that_does_not_answer_in_time_is_unavailable() -> None:
    async with local_vies(None) as base_url:
        checker = ViesVatChecker(base_url, timeout=httpx.Timeout(0.2))
        try:
            with pytest.raises(VatCheckUnavailable) as raised:
                await checker.verify("NL004495445B01")
        finally:
            await checker.aclose()
    assert (raised.value.code, raised.value.retry_after) == ("timeout", 60)


async def test_vies_that_cannot_be_reached_is_unavailable() -> None:
    checker = ViesVatChecker(f"http://127.0.0.1:{free_port()}/rest-api")
    try:
        with pytest.raises(VatCheckUnavailable) as raised:
            await checker.verify("NL004495445B01")
    finally:
        await checker.aclose()
    assert raised.value.code == "unreachable"
