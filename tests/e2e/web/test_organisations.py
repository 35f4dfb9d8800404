"""Organisations through the pages: the KvK register, by hand, identifiers, activation,
receiving, PDF options, members and invitations, and the receiving prompt at login."""

from __future__ import annotations

import re

from devstack.stack import Stack
from playwright.sync_api import Page, expect

from tests.browser import assert_accessible, screenshot
from tests.e2e.identity.people import an_address
from tests.e2e.identity.tenants import accept, invite
from tests.e2e.organisation.world import a_kvk_number, admin, api, eventually
from tests.e2e.system import token_in, wait_for_mails
from tests.e2e.web.pages import a_verified_person, log_in


def test_an_admin_adds_an_organisation_from_the_register_and_sets_it_up(
    system: Stack, page: Page
) -> None:
    email = a_verified_person(system, "hanna")
    log_in(page, system, email)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    page.get_by_role("link", name="Organisations").first.click()
    assert_accessible(page, context="organisations")

    page.get_by_role("button", name="Search").click()  # nothing filled in
    expect(page.locator("#search-empty")).to_contain_text("Fill in a name, a KvK number or a place")

    kvk = a_kvk_number()
    page.locator("#f-s-kvk_number").fill(kvk)
    page.get_by_role("button", name="Search").click()
    results = page.locator("#register-results")
    expect(results).to_contain_text(kvk)
    assert_accessible(page, context="register search results")
    screenshot(page, "web-20-register-search")
    results.get_by_role("button").first.click()

    expect(page.get_by_text("The organisation is added.")).to_be_visible()
    expect(page.locator("#org-status")).to_have_text("added")
    assert_accessible(page, context="an organisation")

    # An identifier that fails its check says which check.
    page.get_by_label("Kind").select_option("9944")
    page.get_by_label("Value").fill("NL004495445B02x")
    page.get_by_role("button", name="Add identifier").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("This identifier is not valid.")
    expect(alert).to_contain_text("format")
    assert_accessible(page, context="identifier refused")
    screenshot(page, "web-21-identifier-refused")
    page.get_by_label("Kind").select_option("9944")
    page.get_by_label("Value").fill("NL000099998B57")
    page.get_by_role("button", name="Add identifier").click()
    expect(page.get_by_text("The identifier is added.")).to_be_visible()
    expect(page.locator("#identifiers")).to_contain_text("NL000099998B57")
    page.get_by_role("button", name="Remove: NL000099998B57").click()
    expect(page.get_by_text("The identifier is removed.")).to_be_visible()
    expect(page.locator("#identifier-list")).not_to_contain_text("NL000099998B57")

    # Not active yet: no switch that could only be refused, but what to do first.
    expect(page.get_by_role("button", name="Switch receiving on")).to_have_count(0)
    expect(page.locator("#receiving-needs-activation")).to_contain_text("activate it first")
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_text("The organisation is active.")).to_be_visible()
    expect(page.locator("#org-status")).to_have_text("active")

    page.get_by_role("button", name="Switch receiving on").click()
    expect(page.locator("#receiving-state")).to_have_text("Receives e-invoices")
    expect(page.get_by_role("status")).to_have_text(
        "Receiving is on: senders now find this organisation in the network."
    )
    page.get_by_role("button", name="Switch receiving off").click()
    expect(page.locator("#receiving-state")).to_have_text("Does not receive e-invoices")
    expect(page.get_by_role("status")).to_contain_text("Receiving is off")

    page.get_by_label("never").check()
    page.get_by_label("Merge PDF attachments into the invoice PDF").check()
    page.locator("#pdf").get_by_role("button", name="Save").click()
    expect(page.get_by_text("The PDF options are saved.")).to_be_visible()
    expect(page.get_by_label("never")).to_be_checked()
    expect(page.get_by_label("Merge PDF attachments into the invoice PDF")).to_be_checked()

    colleague = an_address("colleague")
    page.locator("#members").get_by_label("E-mail address").fill(colleague)
    page.get_by_label("Role").select_option("member")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("The invitation is sent.")).to_be_visible()
    accepted = accept(system, token_in(wait_for_mails(system, colleague)[0]), full_name="Ivo")
    assert accepted.status_code == 201, accepted.text
    page.reload()
    members = page.locator("#member-list")
    expect(members).to_contain_text(colleague)
    assert_accessible(page, context="organisation with a member")
    screenshot(page, "web-22-organisation")
    # Removing asks first, and says what it does.
    members.get_by_text(re.compile("Remove access")).click()
    expect(members).to_contain_text("Ivo can then no longer see or send anything for")
    assert_accessible(page, context="confirming a removal")
    members.get_by_role("button", name="Yes, remove access").click()
    expect(page.get_by_text("The access is removed.")).to_be_visible()
    told = wait_for_mails(system, colleague, count=2)[1]
    assert told["X-Notification-Kind"] == "access_removed"
    expect(page.locator("#member-list")).to_have_count(0)


def test_an_organisation_by_hand_cannot_be_activated_and_the_page_says_why(
    system: Stack, page: Page
) -> None:
    log_in(page, system, a_verified_person(system, "joost"))
    page.goto(f"{system.gateway_url}/organisations")
    page.get_by_role("button", name="Add organisation").click()  # nothing filled in
    expect(page.locator("#f-name")).to_be_focused()  # the browser asks first

    page.locator("#f-name").fill("Bakkerij De Korst")
    page.get_by_label("City").fill("Delft")
    page.get_by_label("Country (2 letters)").fill("N")
    page.get_by_role("button", name="Add organisation").click()
    expect(page.get_by_role("alert")).to_contain_text("Country")
    screenshot(page, "web-23-by-hand-refused")

    page.locator("#f-name").fill("Bakkerij De Korst")
    page.get_by_label("City").fill("Delft")
    page.get_by_label("Country (2 letters)").fill("NL")
    page.get_by_role("button", name="Add organisation").click()
    expect(page.get_by_text("The organisation is added.")).to_be_visible()
    page.get_by_role("button", name="Activate").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("That is not possible in the organisation's current state.")
    expect(alert).to_contain_text("KvK")
    assert_accessible(page, context="activation refused")
    screenshot(page, "web-24-activation-refused")


def test_every_login_asks_about_receiving_until_told_not_to(system: Stack, page: Page) -> None:
    email = a_verified_person(system, "karin")
    log_in(page, system, email)
    page.goto(f"{system.gateway_url}/organisations")
    page.locator("#f-s-kvk_number").fill(a_kvk_number())
    page.get_by_role("button", name="Search").click()
    page.locator("#register-results").get_by_role("button").first.click()
    page.get_by_role("button", name="Activate").click()
    expect(page.locator("#org-status")).to_have_text("active")
    name = page.get_by_role("heading", level=1).inner_text()
    page.get_by_role("button", name="Log out").click()

    log_in(page, system, email)
    expect(page.get_by_role("heading", name="Receive e-invoices too?")).to_be_visible()
    choice = page.get_by_label(f"{name} receives e-invoices")
    expect(choice).not_to_be_checked()  # off by default: receiving costs money
    assert_accessible(page, context="receiving prompt")
    screenshot(page, "web-25-receiving-prompt")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    log_in(page, system, email)  # still not receiving: asked again
    page.get_by_label(f"{name} receives e-invoices").check()
    page.get_by_label("Don't ask again").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    page.get_by_role("link", name=name).click()
    expect(page.locator("#receiving-state")).to_have_text("Receives e-invoices")
    page.get_by_role("button", name="Switch receiving off").click()
    page.get_by_role("button", name="Log out").click()

    log_in(page, system, email)  # receiving is off again, but the prompt was switched off
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()


def test_a_member_who_may_not_switch_receiving_is_told_whom_to_ask_at_the_prompt(
    system: Stack, page: Page
) -> None:
    owner = admin(system, "owner")
    added = api(system, owner, "POST", "/api/v1/organisations", json={"kvk_number": a_kvk_number()})
    organisation = added.json()
    path = f"/api/v1/organisations/{organisation['id']}"
    assert api(system, owner, "POST", f"{path}/activation").json()["status"] == "active"
    member = an_address("member")
    assert eventually(
        lambda: invite(system, owner, member, [organisation["id"]]).status_code == 201
    )
    assert accept(system, token_in(wait_for_mails(system, member)[0])).status_code == 201

    log_in(page, system, member)
    expect(page.get_by_role("heading", name="Receive e-invoices too?")).to_be_visible()
    # No box that could only be refused: whom to ask instead.
    expect(page.get_by_label(f"{organisation['name']} receives e-invoices")).to_have_count(0)
    expect(
        page.get_by_text(f"{organisation['name']} does not receive e-invoices yet.")
    ).to_contain_text("An admin of the organisation can switch it on")
    assert_accessible(page, context="receiving prompt for a member")
    screenshot(page, "web-26-prompt-for-a-member")
    page.get_by_label("Don't ask again").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    assert api(system, owner, "GET", path).json()["receiving_enabled"] is False
