"""The login throttle: ten failures in fifteen minutes make an address or an account wait."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from identity.domain.throttling import LoginThrottle

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
RULE = LoginThrottle()


def failures(*minutes_ago: float) -> list[datetime]:
    return [NOW - timedelta(minutes=m) for m in minutes_ago]


def test_nine_failures_let_the_tenth_attempt_through() -> None:
    assert RULE.retry_after(NOW, failures(*range(9)), [], False) is None


def test_after_ten_failures_from_an_address_it_waits_until_the_oldest_leaves_the_window() -> None:
    wait = RULE.retry_after(NOW, failures(12, *range(9)), [], False)
    assert wait == 3 * 60


def test_failures_older_than_the_window_do_not_count() -> None:
    assert RULE.retry_after(NOW, failures(15, 16, 20, *range(8)), [], False) is None


def test_an_account_waits_for_strangers_but_not_for_addresses_it_signed_in_from() -> None:
    on_account = failures(*range(10))
    assert RULE.retry_after(NOW, [], on_account, address_known_to_account=False) == 15 * 60 - 9 * 60
    assert RULE.retry_after(NOW, [], on_account, address_known_to_account=True) is None


def test_the_address_rule_holds_even_for_a_known_address() -> None:
    assert RULE.retry_after(NOW, failures(*range(10)), [], address_known_to_account=True)


def test_the_longer_wait_of_the_two_rules_is_the_answer() -> None:
    wait = RULE.retry_after(NOW, failures(*range(10)), failures(14, *range(9)), False)
    assert wait == 15 * 60 - 9 * 60


@given(st.lists(st.floats(min_value=0, max_value=14.99), min_size=10, max_size=40))
def test_a_throttled_attempt_never_waits_longer_than_the_window(minutes_ago: list[float]) -> None:
    wait = RULE.retry_after(NOW, failures(*minutes_ago), [], False)
    assert wait is not None and 1 <= wait <= 15 * 60


@given(st.lists(st.floats(min_value=0, max_value=14.99), min_size=10, max_size=40))
def test_after_the_wait_the_attempt_goes_through(minutes_ago: list[float]) -> None:
    recorded = failures(*minutes_ago)
    wait = RULE.retry_after(NOW, recorded, [], False)
    assert wait is not None
    later = NOW + timedelta(seconds=wait)
    assert RULE.retry_after(later, recorded, [], False) is None
