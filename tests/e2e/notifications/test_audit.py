"""Users read the decisions about their own mails, newest first; operators search all of them
and announce product news, which only those who opted in receive."""

from __future__ import annotations

import httpx
from devstack.stack import Stack

from tests.e2e.identity.account import wait_for_event
from tests.e2e.identity.tenants import an_environment_admin
from tests.e2e.notifications.mailbox import (
    choose,
    mails_of,
    my_notifications,
    search,
    text_of,
    wait_for_decision,
    wait_for_kind,
)
from tests.e2e.organisation.world import api, operator
from tests.e2e.system import register


def test_a_user_pages_through_their_own_mails_newest_first_and_sees_nobody_elses(
    system: Stack,
) -> None:
    person = an_environment_admin(system, "audit")
    other = an_environment_admin(system, "audit-other")
    httpx.post(f"{system.gateway_url}/api/v1/password-resets", json={"email": person.email})
    wait_for_kind(system, person.email, "password_reset")
    assert register(system, person.email).status_code == 202
    wait_for_decision(system, person, "account_exists", "sent")

    first = my_notifications(system, person, per_page=2)
    second = my_notifications(system, person, per_page=2, page=2)
    assert first["total"] == second["total"] == 3
    assert [n["kind"] for n in first["notifications"] + second["notifications"]] == [
        "account_exists",
        "password_reset",
        "email_verification",
    ]
    moments = [n["at"] for n in first["notifications"] + second["notifications"]]
    assert moments == sorted(moments, reverse=True)
    assert all(n["recipient"] == person.email for n in first["notifications"])
    assert {n["recipient"] for n in my_notifications(system, other)["notifications"]} == {
        other.email
    }
    assert my_notifications(system, person, outcome="suppressed")["total"] == 0

    anonymous = httpx.get(f"{system.gateway_url}/api/v1/me/notifications", timeout=10)
    assert anonymous.status_code == 401
    wrong = api(system, person, "GET", "/api/v1/me/notifications", params={"outcome": "maybe"})
    assert wrong.status_code == 422


def test_operators_search_every_decision_and_users_may_not(system: Stack) -> None:
    person = an_environment_admin(system, "audit-search")
    found = search(system, recipient=person.email.upper(), kind="email_verification")
    [decision] = found["notifications"]
    assert decision["outcome"] == "sent" and decision["user_id"] == person.user_id
    by_event = search(system, event_id=decision["event_id"])
    assert [n["id"] for n in by_event["notifications"]] == [decision["id"]]
    by_correlation = search(system, correlation_id=decision["correlation_id"])
    assert decision["id"] in {n["id"] for n in by_correlation["notifications"]}

    refused = api(system, person, "GET", "/ops/api/notifications")
    assert refused.status_code == 403
    nobody = httpx.get(f"{system.gateway_url}/ops/api/notifications", timeout=10)
    assert nobody.status_code == 401


def test_product_news_reaches_only_those_who_opted_in_in_their_language(system: Stack) -> None:
    reader = an_environment_admin(system, "news-reader")
    choose(system, reader, product_news=True)
    wait_for_event(system, "EmailPreferencesChanged", reader.user_id)
    bystander = an_environment_admin(system, "news-bystander")

    news = {
        "title_nl": "Nieuw: samenvattingen per week",
        "title_en": "New: weekly summaries",
        "body_nl": "Elke maandag een overzicht.\n\nZet het aan bij je voorkeuren.",
        "body_en": "An overview every Monday.\n\nSwitch it on in your preferences.",
        "link": "https://example.nl/news/1",
    }
    answer = operator(system, "POST", "/ops/api/notifications/product-news", json=news)
    assert answer.status_code == 202, answer.text

    [mail] = wait_for_kind(system, reader.email, "product_news")
    assert mail["Subject"] == "New: weekly summaries"
    assert "An overview every Monday." in text_of(mail) and news["link"] in text_of(mail)
    [suppressed] = wait_for_decision(system, bystander, "product_news", "suppressed")
    assert suppressed["reason"] == "preference-off: product_news"
    assert mails_of(system, bystander.email, "product_news") == []

    not_an_operator = api(system, reader, "POST", "/ops/api/notifications/product-news", json=news)
    assert not_an_operator.status_code == 403
    incomplete = operator(
        system, "POST", "/ops/api/notifications/product-news", json={"title_nl": "x"}
    )
    assert incomplete.status_code in (400, 422)
