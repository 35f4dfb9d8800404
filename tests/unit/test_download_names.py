"""Downloads carry the invoice number as their file name, made safe."""

from __future__ import annotations

import uuid

from invoicing.entrypoints.handlers import download_name


def test_a_download_is_named_after_the_invoice_number_as_far_as_it_is_safe() -> None:
    some = uuid.UUID("8c1f3d4e-0000-4000-8000-000000000000")
    assert download_name("INV-2027/001", some, "pdf") == "INV-2027_001.pdf"
    assert download_name('../"evil"\r\n', some, "xml") == "evil.xml"
    assert download_name("...", some, "pdf") == f"{some}.pdf"
