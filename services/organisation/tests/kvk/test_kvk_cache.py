"""Repeated questions are answered from memory for a while; failures are always asked again."""

from __future__ import annotations

import pytest
from organisation.kvk import (
    CachingKvkRegister,
    HttpKvkRegister,
    KvkNumberUnknown,
    KvkUnavailable,
    TtlCache,
    register_from_settings,
)
from organisation.settings import OrganisationSettings

from .conftest import BASE_URL, RecordedKvk


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cached(register: HttpKvkRegister, clock: Clock) -> CachingKvkRegister:
    return CachingKvkRegister(register, ttl_seconds=60, max_entries=3, clock=clock)


def _profile_requests(kvk: RecordedKvk) -> int:
    return sum("basisprofielen" in r.url.path for r in kvk.requests)


async def test_a_second_profile_question_within_the_ttl_is_not_sent(
    kvk: RecordedKvk, cached: CachingKvkRegister, clock: Clock
) -> None:
    kvk.answer("/v1/basisprofielen/68750110", 200, "basisprofiel_68750110")

    first = await cached.profile("68750110")
    clock.now += 59
    again = await cached.profile("68750110")
    assert again == first and _profile_requests(kvk) == 1

    clock.now += 2
    await cached.profile("68750110")
    assert _profile_requests(kvk) == 2


async def test_searches_are_remembered_per_question_including_empty_pages(
    kvk: RecordedKvk, cached: CachingKvkRegister
) -> None:
    kvk.answer("/v2/zoeken", 404, "fout_ipd5200")

    assert await cached.search(name="niets") == []
    assert await cached.search(name="niets") == []
    assert await cached.search(name="niets", page=2) == []

    assert len(kvk.requests) == 2


async def test_a_caller_changing_its_list_does_not_change_the_cache(
    kvk: RecordedKvk, cached: CachingKvkRegister
) -> None:
    kvk.answer("/v2/zoeken", 200, "zoeken_kvknummer_69599084")

    hits = await cached.search(kvk_number="69599084")
    hits.clear()

    assert len(await cached.search(kvk_number="69599084")) == 2


async def test_unknown_numbers_and_outages_are_not_cached(
    kvk: RecordedKvk, cached: CachingKvkRegister
) -> None:
    kvk.answer("/v1/basisprofielen/12345678", 404, "fout_ipd0005")
    kvk.answer("/v1/basisprofielen/68750110", 503, None)
    for _ in range(2):
        with pytest.raises(KvkNumberUnknown):
            await cached.profile("12345678")
        with pytest.raises(KvkUnavailable):
            await cached.profile("68750110")
    assert _profile_requests(kvk) == 4

    kvk.answer("/v1/basisprofielen/68750110", 200, "basisprofiel_68750110")
    assert (await cached.profile("68750110")).name == "Test BV Donald"


def test_the_cache_is_bounded_and_drops_the_least_recently_used(clock: Clock) -> None:
    cache: TtlCache[str] = TtlCache(ttl_seconds=60, max_entries=2, clock=clock)
    cache.put("a", "A")
    cache.put("b", "B")
    assert cache.get("a") == "A"  # a is now the most recently used
    cache.put("c", "C")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("A", None, "C")
    assert len(cache) == 2


def test_settings_build_a_cached_http_register_and_zero_switches_the_cache_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KVK_BASE_URL", BASE_URL)
    monkeypatch.setenv("KVK_API_KEY", "secret-key")
    monkeypatch.setenv("KVK_TIMEOUT_SECONDS", "2.5")
    settings = OrganisationSettings()
    assert settings.kvk_api_key is not None and "secret-key" not in repr(settings)

    register = register_from_settings(settings)
    assert isinstance(register, CachingKvkRegister)
    inner = register.inner
    assert isinstance(inner, HttpKvkRegister) and inner.timeout_seconds == 2.5

    monkeypatch.setenv("KVK_CACHE_SECONDS", "0")
    assert isinstance(register_from_settings(OrganisationSettings()), HttpKvkRegister)
