"""The operators' dashboard in a real (headless) Chromium: log in, see the platform at a glance,
approve an activation, discard a dead letter, start a rebuild; it refreshes by itself."""

from __future__ import annotations

from typing import Any

from devstack.stack import Stack

from tests.browser import assert_accessible, screenshot
from tests.e2e.ops.helpers import dead_letters_of, page_url, publish_unreadable_event, wait_until
from tests.e2e.organisation.world import OPERATOR, a_kvk_number, add_from_register, admin, api


def test_an_operator_logs_in_and_runs_the_platform_from_the_dashboard(
    system: Stack, page: Any
) -> None:
    person = admin(system, "waiting")
    waiting = add_from_register(system, person, a_kvk_number())
    asked = api(system, person, "POST", f"/api/v1/organisations/{waiting['id']}/activation")
    assert asked.status_code == 202
    publish_unreadable_event(system)
    wait_until(lambda: dead_letters_of(system, "invoicing-organisations"), what="a dead letter")

    page.goto(page_url(system))
    assert page.locator("h1").inner_text() == "Operator login"
    page.fill("#token", "not-the-operator-token-but-long-enough-0123456789")
    page.click("button[type=submit]")
    assert "That is not the operator token." in page.locator(".error").inner_text()
    page.fill("#token", OPERATOR)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Operations dashboard")

    cookie = next(c for c in page.context.cookies() if c["name"] == "ops_session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
    assert OPERATOR not in cookie["value"]

    for heading in (
        "Services",
        "Streams and consumers",
        "Dead letters",
        "Organisations waiting for activation",
        "Recent failures",
        "Read models",
    ):
        assert page.get_by_role("heading", name=heading).count() == 1, heading
    services = page.locator("#h-services + table").inner_text()
    for service in ("identity", "organisation", "invoicing", "notifications"):
        assert service in services
    assert "invoicing-organisations" in page.locator("#h-streams ~ table").first.inner_text()
    letters = page.locator("table.dead-letters")
    assert "unreadable event" in letters.inner_text()
    assert page.locator(f"#activation-{waiting['id']}").count() == 1
    assert_accessible(page, context="/ops dashboard")
    screenshot(page, "ops-dashboard")

    page.get_by_role("button", name=f"Approve {waiting['name']}").click()
    page.wait_for_selector(".notice")
    assert "approved" in page.locator(".notice").inner_text()
    assert page.locator(f"#activation-{waiting['id']}").count() == 0
    status = api(system, person, "GET", f"/api/v1/organisations/{waiting['id']}").json()["status"]
    assert status == "active"

    first = page.locator("table.dead-letters tbody tr").first
    seq = first.get_attribute("id").removeprefix("dead-letter-")
    page.get_by_role("button", name=f"Discard dead letter {seq}").click()
    page.wait_for_selector(".notice")
    assert f"Dead letter {seq} discarded." in page.locator(".notice").inner_text()
    assert page.locator(f"#dead-letter-{seq}").count() == 0

    page.get_by_role("button", name="Rebuild invoicing organisations").click()
    page.wait_for_selector(".notice")
    assert "Rebuilding invoicing organisations" in page.locator(".notice").inner_text()

    # The live part refreshes by itself: a dead letter published now shows up without a reload.
    shown = page.locator("table.dead-letters tbody tr").count()
    publish_unreadable_event(system)
    wait_until(
        lambda: page.locator("table.dead-letters tbody tr").count() > shown,
        what="the new dead letter on the page without a reload",
    )
    assert page.locator("#read-model-invoicing-organisations").inner_text().count("done") == 1
    screenshot(page, "ops-dashboard-after-actions")

    page.get_by_role("button", name="Log out").click()
    page.wait_for_selector("text=Operator login")
