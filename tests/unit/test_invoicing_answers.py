"""What invoicing's answers say: download names from the invoice number (made safe), and
advice to a sender that leads somewhere."""

from __future__ import annotations

import uuid

from invoicing.entrypoints.handlers import download_name, may_be_added


def test_a_download_is_named_after_the_invoice_number_as_far_as_it_is_safe() -> None:
    some = uuid.UUID("8c1f3d4e-0000-4000-8000-000000000000")
    assert download_name("INV-2027/001", some, "pdf") == "INV-2027_001.pdf"
    assert download_name('../"evil"\r\n', some, "xml") == "evil.xml"
    assert download_name("...", some, "pdf") == f"{some}.pdf"


def test_the_sender_advice_offers_adding_only_what_can_be_added() -> None:
    register = ["0106:69599084", "9944:NL000099998B57"]
    assert not may_be_added("0106:68750110", register)  # its KvK number stays
    assert may_be_added("0106:68750110", ["9944:NL000099998B57"])
    assert not may_be_added("0190:00000003687501100000", register)  # another company's OIN
    assert may_be_added("0190:00000003695990840000", register)  # its own
    assert may_be_added("9944:NL004495445B01", register)
