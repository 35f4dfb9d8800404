"""The KvK (Dutch trade register) adapter: one interface, the real HTTP client, a cache.

Services code against `KvkRegister`; `register_from_settings` builds the real client for
KVK_BASE_URL (https://api.kvk.nl/api in production, devstack's fake KvK server locally).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from organisation.kvk.cache import CachingKvkRegister, TtlCache
from organisation.kvk.client import HttpKvkRegister
from organisation.kvk.errors import KvkError, KvkNumberUnknown, KvkRefused, KvkUnavailable
from organisation.kvk.models import KvkAddress, KvkProfile, KvkSearchResult
from organisation.kvk.register import KvkRegister

if TYPE_CHECKING:
    from organisation.settings import OrganisationSettings


def register_from_settings(settings: OrganisationSettings) -> KvkRegister:
    """The HTTP register at kvk_base_url, behind a cache unless kvk_cache_seconds is 0."""
    key = settings.kvk_api_key.get_secret_value() if settings.kvk_api_key else None
    register: KvkRegister = HttpKvkRegister(
        settings.kvk_base_url, key, settings.kvk_timeout_seconds
    )
    if settings.kvk_cache_seconds > 0:
        register = CachingKvkRegister(register, settings.kvk_cache_seconds)
    return register


__all__ = [
    "CachingKvkRegister",
    "HttpKvkRegister",
    "KvkAddress",
    "KvkError",
    "KvkNumberUnknown",
    "KvkProfile",
    "KvkRefused",
    "KvkRegister",
    "KvkSearchResult",
    "KvkUnavailable",
    "TtlCache",
    "register_from_settings",
]
