"""A submission's document is checked and read in one pass of a validation worker: the rules
run on the tree the worker parsed, and only a valid document's heading comes back (small, and
read exactly as read_document reads the whole)."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from invoicing.document import DocumentUnreadable, read_document, read_heading
from invoicing.validation import DocumentRefused, parse_safely
from invoicing.validation.intake import DEFAULT_MAX_BYTES
from invoicing.validation.workers import ValidationPool

BASE_EXAMPLE = "peppol-bis-3/rules/examples/base-example.xml"


async def test_a_valid_document_comes_back_with_its_heading_and_an_invalid_one_without(
    rules_dir: Path,
) -> None:
    base_example = (rules_dir / BASE_EXAMPLE).read_bytes()
    pool = ValidationPool(rules_dir, workers=1, max_bytes=DEFAULT_MAX_BYTES)
    try:
        report, heading = await pool.validate_and_read(base_example, read_heading)
        assert report.valid
        whole = read_document(parse_safely(base_example))
        assert heading is not None
        assert (heading.kind, heading.number, heading.issue_date, heading.payable_amount) == (
            whole.kind,
            whole.number,
            whole.issue_date,
            whole.payable_amount,
        )
        assert (heading.supplier, heading.customer) == (whole.supplier, whole.customer)

        wrong_total = base_example.replace(
            b'<cbc:PayableAmount currencyID="EUR">1656.25',
            b'<cbc:PayableAmount currencyID="EUR">1656.20',
        )
        report, heading = await pool.validate_and_read(wrong_total, read_heading)
        assert not report.valid and heading is None

        with pytest.raises(DocumentRefused) as refused:
            await pool.validate_and_read(b"<!DOCTYPE x [<!ENTITY a 'b'>]><x/>", read_heading)
        assert refused.value.reason == "entity-forbidden"
    finally:
        pool.close()


def test_an_unreadable_document_says_the_same_after_crossing_from_a_worker() -> None:
    unreadable = DocumentUnreadable("/Invoice/cbc:IssueDate", "is not a date (YYYY-MM-DD)")
    copy = pickle.loads(pickle.dumps(unreadable))
    assert (str(copy), copy.element, copy.problem) == (
        str(unreadable),
        "/Invoice/cbc:IssueDate",
        "is not a date (YYYY-MM-DD)",
    )
