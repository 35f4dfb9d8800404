"""Invoices through the pages: send by uploading UBL, see each broken rule with where it is,
follow the outbox and the timeline, download UBL and PDF; the recipient finds it in the inbox.
Needs the official rules (../shared/einvoice or EINVOICE_RULES_DIR): skipped, saying so, without.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from devstack.stack import Stack
from playwright.sync_api import Browser, Page, expect

from tests.browser import assert_accessible, screenshot
from tests.e2e.identity.tenants import Person
from tests.e2e.invoicing.documents import a_number, invoice, rules_dir, without_currency
from tests.e2e.organisation.world import a_kvk_number, admin, api, eventually
from tests.e2e.web.pages import log_in

pytestmark = pytest.mark.skipif(
    rules_dir() is None and not os.environ.get("REQUIRE_EINVOICE_RULES"),
    reason="the official e-invoicing rules are not here (../shared/einvoice or EINVOICE_RULES_DIR)",
)


def an_active_organisation(system: Stack, name: str, receiving: bool) -> tuple[Person, Any]:
    """An admin and their active organisation (set up through the API: not what is tested)."""
    person = admin(system, name)
    added = api(
        system, person, "POST", "/api/v1/organisations", json={"kvk_number": a_kvk_number()}
    )
    assert added.status_code == 201, added.text
    path = f"/api/v1/organisations/{added.json()['id']}"
    assert api(system, person, "POST", f"{path}/activation").json()["status"] == "active"
    if receiving:
        assert api(system, person, "PUT", f"{path}/receiving", json={"enabled": True}).is_success
    organisation = api(system, person, "GET", path).json()
    participant = f"0106:{organisation['kvk_number']}"
    if receiving:
        assert eventually(
            lambda: api(system, None, "GET", f"/api/v1/directory/{participant}").status_code == 200
        )
    return person, organisation


def test_an_invoice_is_sent_followed_and_downloaded_and_arrives_in_the_inbox(
    system: Stack, page: Page, browser: Browser, tmp_path: Path
) -> None:
    sender, sending = an_active_organisation(system, "sender", receiving=False)
    recipient, receiving = an_active_organisation(system, "recipient", receiving=True)
    number = a_number("WEB")
    document = invoice(
        f"0106:{sending['kvk_number']}", f"0106:{receiving['kvk_number']}", number=number
    )

    log_in(page, system, sender.email)
    page.goto(f"{system.gateway_url}/organisations/{sending['id']}/invoices")
    expect(page.get_by_text("No invoices.")).to_be_visible()
    assert_accessible(page, context="outbox")

    broken = tmp_path / "broken.xml"
    broken.write_bytes(without_currency(document))
    page.get_by_label("UBL file").set_input_files(str(broken))
    # The stack's first document compiles the official rules (test stacks do not warm them at
    # start): on a loaded CI machine that outlasted the 15 s default.
    page.get_by_role("button", name="Send").click(timeout=120_000)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("The invoice breaks the official rules and was not sent.")
    findings = alert.locator("table.findings")
    expect(findings).to_contain_text("BR-05")
    expect(findings.locator("code.xpath").first).to_contain_text("/")
    # A rule that fires at every amount is one row, saying how often.
    expect(findings).to_contain_text("other place(s)")
    rules = findings.locator("tbody tr td:first-child").all_inner_texts()
    assert len(rules) == len(set(rules)), rules
    assert_accessible(page, context="invoice refused by the rules")
    screenshot(page, "web-30-invoice-rules-broken")

    good = tmp_path / "invoice.xml"
    good.write_bytes(document)
    page.get_by_label("UBL file").set_input_files(str(good))
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("The invoice is accepted.")).to_be_visible()
    deadline = time.monotonic() + 30
    while page.locator("#invoice-status").inner_text() != "delivered":
        assert time.monotonic() < deadline, page.locator("main").inner_text()
        time.sleep(0.5)
        page.reload()
    expect(page.locator("#timeline")).to_contain_text("InvoiceDelivered")
    expect(page.locator("#timeline")).to_contain_text("the document passed the official rules")
    expect(page.locator("#timeline")).to_contain_text("delivered to the inbox of")
    # Written as an English reader writes them (the mails say them the same way).
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("€1,656.25")
    expect(facts).to_contain_text("November 13, 2026")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Invoice {number}")
    assert_accessible(page, context="an invoice")
    screenshot(page, "web-31-invoice-timeline")

    with page.expect_download() as ubl:
        page.get_by_role("link", name="Download UBL").click()
    assert Path(ubl.value.path()).read_bytes() == document
    with page.expect_download() as pdf:
        page.get_by_role("link", name="Download PDF").click()
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")

    page.get_by_role("link", name="Back").click()
    outbox = page.locator("#invoice-list")
    expect(outbox).to_contain_text(number)
    expect(outbox).to_contain_text("delivered")
    screenshot(page, "web-32-outbox")

    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    try:
        inbox_page = context.new_page()
        log_in(inbox_page, system, recipient.email)
        inbox_page.goto(
            f"{system.gateway_url}/organisations/{receiving['id']}/invoices?direction=incoming"
        )
        inbox = inbox_page.locator("#invoice-list")
        expect(inbox).to_contain_text(number)
        expect(inbox).to_contain_text("received")
        assert_accessible(inbox_page, context="inbox")
        screenshot(inbox_page, "web-33-inbox")
    finally:
        context.close()
