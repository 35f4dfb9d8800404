"""devstack's fake KvK register, run as its own process, asked through the real adapter."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from devstack import KVK_TEST_API_KEY, KvkFakeProcess
from organisation.kvk import (
    HttpKvkRegister,
    KvkAddress,
    KvkNumberUnknown,
    KvkRefused,
    KvkUnavailable,
)


@pytest.fixture
async def fake_register(kvk_fake: KvkFakeProcess) -> AsyncIterator[HttpKvkRegister]:
    register = HttpKvkRegister(kvk_fake.url, KVK_TEST_API_KEY, timeout_seconds=5)
    yield register
    await register.aclose()


async def test_kvks_test_numbers_have_their_profiles(fake_register: HttpKvkRegister) -> None:
    donald = await fake_register.profile("68750110")
    assert (donald.name, donald.establishment_number, donald.rsin) == (
        "Test BV Donald",
        "000037178598",
        "857587973",
    )
    assert donald.address == KvkAddress(
        street="Hizzaarderlaan", house_number="3 A", postal_code="8823SJ", city="Lollum"
    )

    dagobert = await fake_register.profile("69599084")
    assert (dagobert.name, dagobert.legal_form, dagobert.rsin) == (
        "Test EMZ Dagobert",
        "Eenmanszaak",
        None,
    )
    assert dagobert.establishment_number == "000038509504"

    bolderbast = await fake_register.profile("69599068")
    assert (bolderbast.legal_form, bolderbast.rsin) == ("Stichting", "858311537")
    assert bolderbast.establishment_number is None
    assert bolderbast.address is not None and bolderbast.address.city == "Lochem"


async def test_kvks_error_cases_answer_as_documented(fake_register: HttpKvkRegister) -> None:
    with pytest.raises(KvkNumberUnknown) as unknown:
        await fake_register.profile("90004973")
    assert unknown.value.code == "IPD0005"

    with pytest.raises(KvkUnavailable) as failing:
        await fake_register.profile("90002903")
    assert failing.value.code == "IPD9999" and failing.value.retry_after == 30

    assert await fake_register.search(kvk_number="90004973") == []
    with pytest.raises(KvkUnavailable):
        await fake_register.search(kvk_number="90002903")


async def test_a_number_nobody_registered_is_unknown_and_a_bad_one_refused(
    fake_register: HttpKvkRegister,
) -> None:
    with pytest.raises(KvkNumberUnknown):
        await fake_register.profile("12345678")
    with pytest.raises(KvkRefused) as refused:
        await fake_register.search(kvk_number="1234")
    assert refused.value.code == "IPD0004"


async def test_search_by_name_is_case_insensitive_and_finds_part_of_a_name(
    fake_register: HttpKvkRegister,
) -> None:
    hits = await fake_register.search(name="BAKKERIJ de korenSCHOOF")

    assert {h.type for h in hits} == {"hoofdvestiging", "nevenvestiging", "rechtspersoon"}
    assert {h.kvk_number for h in hits} == {hits[0].kvk_number}
    main = next(h for h in hits if h.type == "hoofdvestiging")
    assert main.address is not None and main.address.city == "Utrecht"
    assert main.establishment_number is not None and len(main.establishment_number) == 12


async def test_search_by_number_and_by_place(fake_register: HttpKvkRegister) -> None:
    by_number = await fake_register.search(kvk_number="69599084")
    assert [h.establishment_number for h in by_number] == ["000038509504", "000038509520"]

    in_lochem = await fake_register.search(place="lochem")
    assert [(h.kvk_number, h.type) for h in in_lochem] == [("69599068", "rechtspersoon")]

    stichtingen_in_utrecht = await fake_register.search(name="stichting", place="Utrecht")
    assert stichtingen_in_utrecht
    assert all(h.address and h.address.city == "Utrecht" for h in stichtingen_in_utrecht)


async def test_search_pages_through_every_hit_once(fake_register: HttpKvkRegister) -> None:
    seen: list[tuple[str, str | None, str]] = []
    page = 1
    while hits := await fake_register.search(place="Rotterdam", page=page, per_page=3):
        assert len(hits) <= 3
        seen += [(h.kvk_number, h.establishment_number, h.type) for h in hits]
        page += 1
    assert page > 2 and len(seen) == len(set(seen))
    assert seen == [
        (h.kvk_number, h.establishment_number, h.type)
        for h in await fake_register.search(place="Rotterdam", per_page=100)
    ]


async def test_the_fake_wants_an_api_key_and_names_wrong_parameters(
    kvk_fake: KvkFakeProcess,
) -> None:
    async with httpx.AsyncClient(base_url=kvk_fake.url + "/") as client:
        no_key = await client.get("v1/basisprofielen/68750110")
        assert no_key.status_code == 401 and "apikey" in no_key.json()["fout"][0]["omschrijving"]

        wrong = await client.get("v2/zoeken", params={"aantal": 5}, headers={"apikey": "x"})
        assert wrong.status_code == 400 and wrong.json()["fout"][0]["code"] == "IPD1999"

        too_many = await client.get(
            "v2/zoeken", params={"naam": "a", "resultatenPerPagina": 101}, headers={"apikey": "x"}
        )
        assert too_many.status_code == 400

    keyless = HttpKvkRegister(kvk_fake.url, None)
    with pytest.raises(KvkUnavailable) as refused_key:
        await keyless.profile("68750110")
    assert "KVK_API_KEY" in refused_key.value.detail
    await keyless.aclose()

    elsewhere = HttpKvkRegister(kvk_fake.url.removesuffix("/api") + "/elders", "key")
    with pytest.raises(KvkUnavailable) as wrong_base:
        await elsewhere.profile("68750110")
    assert wrong_base.value.code == "kvk_wrong_address"
    await elsewhere.aclose()


async def test_the_fake_also_answers_under_kvks_test_environment_path(
    kvk_fake: KvkFakeProcess,
) -> None:
    register = HttpKvkRegister(kvk_fake.url.removesuffix("/api") + "/test/api", KVK_TEST_API_KEY)
    assert (await register.profile("68750110")).name == "Test BV Donald"
    await register.aclose()
