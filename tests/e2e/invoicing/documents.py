"""UBL documents for the scenarios, made from the official base example (read, never copied)."""

from __future__ import annotations

import itertools
import os
import re
from pathlib import Path

_counter = itertools.count(1)


def rules_dir() -> Path | None:
    """The official rules directory: EINVOICE_RULES_DIR, else ../shared/einvoice beside the repo."""
    given = os.environ.get("EINVOICE_RULES_DIR")
    candidate = (
        Path(given) if given else Path(__file__).resolve().parents[3].parent / "shared" / "einvoice"
    )
    return candidate if (candidate / "peppol-bis-3").is_dir() else None


def base_example() -> str:
    found = rules_dir()
    assert found is not None
    return (found / "peppol-bis-3" / "rules" / "examples" / "base-example.xml").read_text("utf-8")


def a_number(prefix: str = "INV") -> str:
    return f"{prefix}-{os.getpid()}-{next(_counter):05d}"


def invoice(
    sender: str, recipient: str, number: str | None = None, issue_date: str = "2026-11-13"
) -> bytes:
    """The base example from `sender` to `recipient` (participant ids `scheme:value`)."""
    text = base_example()
    (sender_scheme, sender_value), (recipient_scheme, recipient_value) = (
        sender.split(":", 1),
        recipient.split(":", 1),
    )
    text = text.replace(
        '<cbc:EndpointID schemeID="0088">9482348239847239874</cbc:EndpointID>',
        f'<cbc:EndpointID schemeID="{sender_scheme}">{sender_value}</cbc:EndpointID>',
    )
    text = text.replace(
        '<cbc:EndpointID schemeID="0002">FR23342</cbc:EndpointID>',
        f'<cbc:EndpointID schemeID="{recipient_scheme}">{recipient_value}</cbc:EndpointID>',
    )
    text = text.replace("<cbc:ID>Snippet1</cbc:ID>", f"<cbc:ID>{number or a_number()}</cbc:ID>", 1)
    text = text.replace(
        "<cbc:IssueDate>2017-11-13</cbc:IssueDate>",
        f"<cbc:IssueDate>{issue_date}</cbc:IssueDate>",
        1,
    )
    text = text.replace(
        "<cbc:DueDate>2017-12-01</cbc:DueDate>", "<cbc:DueDate>2026-12-13</cbc:DueDate>", 1
    )
    return text.encode("utf-8")


def without_currency(document: bytes) -> bytes:
    """A document that breaks the rules: no DocumentCurrencyCode (BR-05) and the XSD."""
    return re.sub(
        rb"<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>\s*", b"", document, count=1
    )
