"""Feed passwords go on partners' command lines: none may start with a dash (argparse would
read `--password -x...` as an option; the example subscriber exited with status 2)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from partners.feed import access
from partners.feed.access import FeedAccess


def test_a_password_drawn_with_a_leading_dash_is_drawn_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    draws: Iterator[str] = iter(["-starts-with-a-dash", "_fine-one"])
    monkeypatch.setattr(access.secrets, "token_urlsafe", lambda _n: next(draws))
    password = FeedAccess(platform_password="x").grant("acme", [])
    assert password == "_fine-one"


def test_no_real_password_starts_with_a_dash() -> None:
    # About 1 in 64 token_urlsafe draws starts with "-": 2,000 draws meet ~30 of them.
    assert not any(access._password(24).startswith("-") for _ in range(2000))
