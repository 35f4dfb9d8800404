"""Dates, moments and amounts as a person in the Netherlands reads them, in Dutch or English.

One place for the mails (notifications) and the web pages (gateway), so both say "13 november
2026" and "€ 1.656,25" (or "13 November 2026" and "€1,656.25") the same way. Moments are shown
in Dutch time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel.dates import format_date, get_timezone
from babel.numbers import format_currency

TIMEZONE = "Europe/Amsterdam"
_LOCALES = {"nl": "nl_NL", "en": "en"}
_AMSTERDAM = get_timezone(TIMEZONE)


def locale_of(language: str) -> str:
    """The Babel locale for one of our languages (Dutch unless English)."""
    return _LOCALES.get(language, "nl_NL")


def local_datetime(moment: datetime, language: str) -> str:
    """A moment with its time zone, written like every other date in the mails:
    28 november 2026 om 15:41 CET, November 28, 2026 at 15:41 CET."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    local = aware.astimezone(_AMSTERDAM)
    return f"{local_moment(aware, language)} {local.tzname()}"


@lru_cache(maxsize=256)
def local_moment(moment: datetime, language: str) -> str:
    """A moment to the minute, in Dutch time: 28 november 2026 om 15:41."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    local = aware.astimezone(_AMSTERDAM)
    at = "om" if language == "nl" else "at"
    return f"{local_date(local.date(), language)} {at} {local:%H:%M}"


@lru_cache(maxsize=4096)
def local_date(day: date, language: str) -> str:
    """A calendar date in words: 13 november 2026, 13 November 2026."""
    return format_date(day, format="long", locale=locale_of(language))


@lru_cache(maxsize=4096)
def amount(value: str | Decimal, currency: str, language: str) -> str:
    """An amount with its currency as the reader writes it: € 1.234,56 or €1,234.56."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return f"{currency} {value}"
    return format_currency(number, currency, locale=locale_of(language))
