"""A user's own settings as the aggregate records them: only real changes become facts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from gateway.web.phones import shown_phone
from identity.domain.phones import InvalidPhoneNumber, normalise_phone
from identity.domain.user import User
from identity.domain.values import DEFAULT_EMAIL_PREFERENCES
from identity.integration.outbound import to_integration_event

NOW = datetime.now(UTC)


def a_user() -> User:
    return User(
        email="anna@example.nl",
        full_name="Anna",
        language="nl",
        environment_id=uuid.uuid4(),
        environment_name="example.nl",
        role="admin",
        email_preferences=dict(DEFAULT_EMAIL_PREFERENCES),
        receiving_prompt_enabled=True,
    )


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("06 1234 5678", "+31612345678"),
        ("+31 (0)6-12345678", "+31612345678"),
        ("020 123 4567", "+31201234567"),
        ("+32 470 12 34 56", "+32470123456"),
    ],
)
def test_phone_numbers_are_read_as_dutch_by_default_and_kept_in_e164(
    typed: str, stored: str
) -> None:
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize("typed", ["", "12", "hello", "+31 6 123", "06 1234 56789 0"])
def test_numbers_that_cannot_exist_are_refused(typed: str) -> None:
    with pytest.raises(InvalidPhoneNumber):
        normalise_phone(typed)


def test_a_profile_change_publishes_only_what_changed() -> None:
    user = a_user()
    assert user.change_profile(NOW, full_name="Anna", language="en", phone="+31612345678")
    [event] = user.collect_events()[1:]
    public = to_integration_event(event)
    assert public is not None
    assert public.model_dump(include={"changed", "full_name", "phone", "language"}) == {
        "changed": ["language", "phone"],
        "full_name": None,
        "phone": "+31612345678",
        "language": "en",
    }
    assert not user.change_profile(NOW, language="en"), "no change, no fact"
    assert user.change_profile(NOW, remove_phone=True) and user.phone is None


def test_preferences_and_the_prompt_record_facts_only_when_they_change() -> None:
    user = a_user()
    assert not user.change_email_preferences(dict(DEFAULT_EMAIL_PREFERENCES), NOW)
    assert user.change_email_preferences({**DEFAULT_EMAIL_PREFERENCES, "product_news": True}, NOW)
    assert user.email_preferences["product_news"] is True
    assert not user.set_receiving_prompt(True, NOW)
    assert user.set_receiving_prompt(False, NOW) and not user.receiving_prompt_enabled
    names = [type(e).__qualname__ for e in user.collect_events()]
    assert names == [
        "User.Registered",
        "User.EmailPreferencesChanged",
        "User.ReceivingPromptDismissed",
    ]


def test_a_user_is_rebuilt_from_their_events_with_every_setting() -> None:
    user = a_user()
    user.change_profile(NOW, full_name="Anna Jansen", phone="+31612345678")
    user.change_photo({"object_name": "x", "sha256": "ab"}, NOW)
    user.set_receiving_prompt(False, NOW)
    events = user.collect_events()
    rebuilt = None
    for event in events:
        rebuilt = event.mutate(rebuilt)
    assert isinstance(rebuilt, User)
    assert (rebuilt.full_name, rebuilt.phone) == ("Anna Jansen", "+31612345678")
    assert rebuilt.photo == {"object_name": "x", "sha256": "ab"}
    assert rebuilt.receiving_prompt_enabled is False


@pytest.mark.parametrize(
    ("kept", "shown"),
    [
        ("+31612345678", "06 12345678"),
        ("+31201234567", "020 123 4567"),
        ("+32470123456", "+32 470 12 34 56"),
        (None, ""),
    ],
)
def test_the_account_page_shows_a_number_as_people_write_it_and_reads_it_back_the_same(
    kept: str | None, shown: str
) -> None:
    assert shown_phone(kept) == shown
    if kept is not None:
        assert normalise_phone(shown) == kept
