"""Where the official examples live, and how a test reads XML and PDFs."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

REPOSITORY = Path(__file__).resolve().parents[4]
EXAMPLE_DIRS = ("peppol-bis-3/rules/examples", "en16931/ubl/examples", "en16931/test/testfiles")


def rules_dir() -> Path:
    """The official rules directory: EINVOICE_RULES_DIR, else ../shared/einvoice."""
    configured = os.environ.get("EINVOICE_RULES_DIR")
    return Path(configured) if configured else (REPOSITORY / ".." / "shared" / "einvoice").resolve()


def official_examples() -> list[Path]:
    """Every official example invoice and credit note (empty when the rules dir is missing)."""
    root = rules_dir()
    return sorted(
        path
        for folder in EXAMPLE_DIRS
        for path in (root / folder).glob("*")
        if path.suffix.lower() == ".xml"
    )


def official_example(relative: str) -> Path:
    """One official example; skips (or fails with REQUIRE_EINVOICE_RULES=1) when it is absent."""
    path = rules_dir() / relative
    if not path.is_file():
        missing_rules(f"{path} is missing")
    return path


def missing_rules(reason: str) -> None:
    message = f"official e-invoicing files not found ({reason}); point EINVOICE_RULES_DIR at the rules directory (../shared/einvoice from the repository)"
    if os.environ.get("REQUIRE_EINVOICE_RULES") == "1":
        pytest.fail(message)
    pytest.skip(message)


def parse(xml: bytes | Path) -> etree._Element:
    """Parse the way intake does: no DTDs, entities or network (huge_tree for embedded PDFs)."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True
    )
    if isinstance(xml, Path):
        xml = xml.read_bytes()
    return etree.fromstring(xml, parser)


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of every page of a PDF, as a reader's copy-and-paste would give it."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def pdf_page_count(pdf: bytes) -> int:
    """Pages only: extracting the text of a large scanned PDF takes seconds."""
    return len(PdfReader(io.BytesIO(pdf)).pages)


def pdf_text(pdf: bytes) -> str:
    return "\n".join(pdf_pages(pdf))
