"""The adapter reads KvK's recorded answers and turns KvK's errors into typed problems."""

from __future__ import annotations

import httpx
import pytest
from organisation.kvk import (
    HttpKvkRegister,
    KvkAddress,
    KvkNumberUnknown,
    KvkRefused,
    KvkUnavailable,
)

from .conftest import TEST_KEY, RecordedKvk


async def test_a_search_by_number_lists_the_main_and_the_branch_establishment(
    kvk: RecordedKvk, register: HttpKvkRegister
) -> None:
    kvk.answer("/v2/zoeken", 200, "zoeken_kvknummer_69599084")

    hits = await register.search(kvk_number="69599084")

    assert [(h.establishment_number, h.type, h.name) for h in hits] == [
        ("000038509504", "hoofdvestiging", "Test EMZ Dagobert"),
        ("000038509520", "nevenvestiging", "Test EMZ Nevenvestiging Govert"),
    ]
    assert hits[0].address == KvkAddress(street="Abebe Bikilalaan", city="Amsterdam")
    assert hits[1].address == KvkAddress(
        street="Pastoor Moormanstraat", house_number="12", postal_code="6223GT", city="Maastricht"
    )
    [request] = kvk.requests
    assert request.url.path == "/test/api/v2/zoeken"
    assert dict(request.url.params) == {
        "kvkNummer": "69599084",
        "pagina": "1",
        "resultatenPerPagina": "10",
    }
    assert request.headers["apikey"] == TEST_KEY


async def test_a_search_sends_name_place_and_paging_and_reads_a_foreign_address(
    kvk: RecordedKvk, register: HttpKvkRegister
) -> None:
    kvk.answer("/v2/zoeken", 200, "zoeken_naam_stichting")

    hits = await register.search(name=" stichting ", place="Lochem", page=2, per_page=5)

    assert dict(kvk.requests[0].url.params) == {
        "naam": "stichting",
        "plaats": "Lochem",
        "pagina": "2",
        "resultatenPerPagina": "5",
    }
    assert hits[0].type == "rechtspersoon" and hits[0].establishment_number is None
    assert hits[1].address == KvkAddress(street="Kerkstraat 1", city="2000 Antwerpen", country="BE")


async def test_no_search_results_is_an_empty_page_not_an_error(
    kvk: RecordedKvk, register: HttpKvkRegister
) -> None:
    kvk.answer("/v2/zoeken", 404, "fout_ipd5200")

    assert await register.search(name="bestaat niet") == []


async def test_a_search_without_any_criterion_is_refused_before_asking(
    kvk: RecordedKvk, register: HttpKvkRegister
) -> None:
    with pytest.raises(KvkRefused) as refused:
        await register.search(name="  ")
    assert refused.value.code == "kvk_no_criteria"
    assert kvk.requests == []


async def test_a_profile_gives_name_establishment_legal_form_rsin_and_visiting_address(
    kvk: RecordedKvk, register: HttpKvkRegister
) -> None:
    kvk.answer("/v1/basisprofielen/68750110", 200, "basisprofiel_68750110")

    profile = await register.profile("68750110")

    assert profile.kvk_number == "68750110"
    assert profile.name == "Test BV Donald"
    assert profile.establishment_number == "000037178598"
    assert profile.legal_form == "Besloten vennootschap met gewone structuur"
    assert profile.rsin == "857587973"
    # The visiting address, not the PO box that comes first.
    assert profile.address == KvkAddress(
        street="Hizzaarderlaan", house_number="3 A", postal_code="8823SJ", city="Lollum"
    )


async def test_a_sole_trader_has_no_rsin_and_a_house_letter_joins_the_number(
    kvk: RecordedKvk, register: HttpKvkRegister
) -> None:
    kvk.answer("/v1/basisprofielen/69599084", 200, "basisprofiel_69599084")

    profile = await register.profile("69599084")

    assert (profile.legal_form, profile.rsin) == ("Eenmanszaak", None)
    assert profile.address is not None and profile.address.house_number == "17M"


async def test_a_foundation_without_establishments_takes_the_owners_address(
    kvk: RecordedKvk, register: HttpKvkRegister
) -> None:
    kvk.answer("/v1/basisprofielen/69599068", 200, "basisprofiel_69599068")

    profile = await register.profile("69599068")

    assert profile.establishment_number is None
    assert (profile.legal_form, profile.rsin) == ("Stichting", "858311537")
    assert profile.address == KvkAddress(
        street="Oosterwal", house_number="8", postal_code="7241AR", city="Lochem"
    )


async def test_an_unknown_number_is_kvk_number_unknown_with_kvks_own_words(
    kvk: RecordedKvk, register: HttpKvkRegister
) -> None:
    kvk.answer("/v1/basisprofielen/12345678", 404, "fout_ipd0005")

    with pytest.raises(KvkNumberUnknown) as unknown:
        await register.profile("12345678")

    assert unknown.value.code == "IPD0005"
    assert "kan het product niet worden geleverd" in unknown.value.detail


async def test_kvks_refusal_of_a_number_is_refused_and_a_malformed_one_never_leaves(
    kvk: RecordedKvk, register: HttpKvkRegister
) -> None:
    kvk.answer("/v1/basisprofielen/00000000", 400, "fout_ipd0004")
    with pytest.raises(KvkRefused) as refused:
        await register.profile("00000000")
    assert refused.value.code == "IPD0004"

    with pytest.raises(KvkRefused) as malformed:
        await register.profile("../v2/zoeken")
    assert malformed.value.code == "IPD0004" and "8 digits" in malformed.value.detail
    assert len(kvk.requests) == 1


async def test_an_error_inside_meldingen_is_read_too(
    kvk: RecordedKvk, register: HttpKvkRegister
) -> None:
    kvk.answer("/v2/zoeken", 400, "fout_ipd1999")

    with pytest.raises(KvkRefused) as refused:
        await register.search(name="x")

    assert refused.value.code == "IPD1999" and "aantal" in refused.value.detail


@pytest.mark.parametrize(
    ("status", "body", "headers", "code", "retry_after"),
    [
        (500, "fout_ipd9999", {}, "IPD9999", 30),
        (503, None, {"Retry-After": "120"}, "http_503", 120),
        (502, None, {}, "http_502", 30),
        (429, None, {"Retry-After": "7"}, "kvk_rate_limited", 7),
        (429, None, {}, "kvk_rate_limited", 60),
        (404, "fout_ipd1003", {}, "IPD1003", 300),
        (401, None, {}, "kvk_api_key_refused", 300),
    ],
)
async def test_a_register_that_cannot_answer_now_is_unavailable_with_retry_advice(
    kvk: RecordedKvk,
    register: HttpKvkRegister,
    status: int,
    body: str | None,
    headers: dict[str, str],
    code: str,
    retry_after: int,
) -> None:
    kvk.answer("/v1/basisprofielen/69599084", status, body, headers)

    with pytest.raises(KvkUnavailable) as unavailable:
        await register.profile("69599084")

    assert (unavailable.value.code, unavailable.value.retry_after) == (code, retry_after)


async def test_a_bare_404_means_a_wrong_base_url_not_an_unknown_number(
    register: HttpKvkRegister,
) -> None:
    with pytest.raises(KvkUnavailable) as unavailable:
        await register.profile("69599084")
    assert unavailable.value.code == "kvk_wrong_address"
    assert "KVK_BASE_URL" in unavailable.value.detail


async def test_an_unreadable_answer_is_unavailable(
    kvk: RecordedKvk, register: HttpKvkRegister
) -> None:
    kvk.answer("/v1/basisprofielen/69599084", 200, {"unexpected": True})

    with pytest.raises(KvkUnavailable) as unavailable:
        await register.profile("69599084")
    assert unavailable.value.code == "kvk_bad_answer"


async def test_a_timeout_and_a_dropped_connection_are_unavailable() -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("too slow", request=request)

    def drop(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("closed", request=request)

    for failing, code in ((hang, "kvk_timeout"), (drop, "kvk_unreachable")):
        client = HttpKvkRegister(
            "https://kvk.test/api", None, 1.5, transport=httpx.MockTransport(failing)
        )
        with pytest.raises(KvkUnavailable) as unavailable:
            await client.search(kvk_number="69599084")
        assert unavailable.value.code == code and unavailable.value.retry_after == 30
        await client.aclose()
