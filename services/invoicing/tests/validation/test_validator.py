"""The validator as the invoicing service uses it: what a sender learns about a document,
from which rules, and how it behaves under threads, worker processes and a bad setup."""

from __future__ import annotations

import asyncio
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from invoicing.validation import (
    DocumentRefused,
    RulesDirectoryError,
    Validator,
    load_validator,
    rules_dir_from,
)
from invoicing.validation.samples import invoice_with_lines
from lxml import etree

REPOSITORY = Path(__file__).resolve().parents[4]
BASE_EXAMPLE = "peppol-bis-3/rules/examples/base-example.xml"
CREDIT_NOTE = "peppol-bis-3/rules/examples/base-creditnote-correction.xml"
UBL_PREFIXES = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}


@pytest.fixture(scope="module")
def base_example(rules_dir: Path) -> bytes:
    return (rules_dir / BASE_EXAMPLE).read_bytes()


def test_the_official_base_example_is_a_valid_invoice(
    validator: Validator, base_example: bytes
) -> None:
    report = validator.validate(base_example)
    assert (report.valid, report.document_type, report.errors) == (True, "Invoice", [])


def test_a_credit_note_is_reported_as_one(validator: Validator, rules_dir: Path) -> None:
    report = validator.validate((rules_dir / CREDIT_NOTE).read_bytes())
    assert (report.valid, report.document_type) == (True, "CreditNote")


def test_wrong_totals_are_refused_naming_the_rule_its_text_and_where(
    validator: Validator, base_example: bytes
) -> None:
    wrong = base_example.replace(
        b'<cbc:PayableAmount currencyID="EUR">1656.25',
        b'<cbc:PayableAmount currencyID="EUR">1656.20',
    )
    report = validator.validate(wrong)
    assert not report.valid
    [finding] = report.errors
    assert (finding.rule, finding.severity) == ("BR-CO-16", "fatal")
    assert "Amount due for payment (BT-115)" in finding.message
    assert finding.location == "/ubl:Invoice/cac:LegalMonetaryTotal"


def test_a_dutch_rule_fires_for_a_dutch_supplier(validator: Validator, base_example: bytes) -> None:
    invoice = etree.fromstring(base_example)
    country = invoice.find(
        "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode",
        UBL_PREFIXES,
    )
    country.text = "NL"
    fired = {(f.rule, f.location) for f in validator.validate_tree(invoice).errors}
    assert fired == {
        (
            "NL-R-003",
            "/ubl:Invoice/cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID",
        ),
        ("NL-R-009", "/ubl:Invoice/cac:InvoiceLine[1]/cac:OrderLineReference/cbc:LineID"),
        ("NL-R-009", "/ubl:Invoice/cac:InvoiceLine[2]/cac:OrderLineReference/cbc:LineID"),
    }


def test_a_warning_is_kept_and_does_not_reject(validator: Validator, base_example: bytes) -> None:
    with_uuid = base_example.replace(
        b"<cbc:IssueDate>", b"<cbc:UUID>1234</cbc:UUID><cbc:IssueDate>", 1
    )
    report = validator.validate(with_uuid)
    assert report.valid
    assert [(w.rule, w.severity, w.location) for w in report.warnings] == [
        ("UBL-CR-005", "warning", "/ubl:Invoice")
    ]


def test_a_schema_error_is_reported_as_ubl_xsd_and_stops_there(
    validator: Validator, base_example: bytes
) -> None:
    broken = base_example.replace(
        b"<cbc:Name>item name 2</cbc:Name>",
        b"<cbc:Name>item name 2</cbc:Name><cbc:Colour>red</cbc:Colour>",
    )
    report = validator.validate(broken)
    assert not report.valid and report.warnings == []
    [finding] = report.errors
    assert finding.rule == "UBL-XSD"
    assert "cbc:Colour" in finding.message and "{urn:" not in finding.message
    assert finding.location == "/ubl:Invoice/cac:InvoiceLine[2]/cac:Item/cbc:Colour"


def test_a_refused_document_says_why_before_any_rule_runs(validator: Validator) -> None:
    with pytest.raises(DocumentRefused) as refused:
        validator.validate(b"<Invoice/>")
    assert (refused.value.status, refused.value.reason) == (422, "not-ubl-invoice")


def test_a_thousand_line_invoice_with_consistent_totals_is_valid(
    validator: Validator, base_example: bytes
) -> None:
    report = validator.validate(invoice_with_lines(base_example, 1000))
    assert report.valid, report.errors[:3]


def test_threads_may_share_a_validator_and_get_the_same_answers(
    validator: Validator, base_example: bytes
) -> None:
    documents = [
        base_example,
        base_example.replace(b">1656.25<", b">1.00<"),
        base_example.replace(b"<cbc:Name>item name 2</cbc:Name>", b"<cbc:Colour/>"),
    ] * 4
    alone = [validator.validate(d) for d in documents]
    with ThreadPoolExecutor(max_workers=4) as threads:
        together = list(threads.map(validator.validate, documents))
    assert together == alone


async def test_validate_async_leaves_the_event_loop_free(
    rules_dir: Path, base_example: bytes
) -> None:
    """A 1,000-line invoice takes about a second of CPU; the loop keeps ticking meanwhile."""
    validator = load_validator(rules_dir, workers=1)
    try:
        pids = await validator.start_workers()
        assert len(pids) == 1
        big = invoice_with_lines(base_example, 1000)
        gaps: list[float] = []

        async def tick() -> None:
            last = time.perf_counter()
            while True:
                await asyncio.sleep(0.005)
                now = time.perf_counter()
                gaps.append(now - last)
                last = now

        ticker = asyncio.create_task(tick())
        started = time.perf_counter()
        report = await validator.validate_async(big)
        took = time.perf_counter() - started
        ticker.cancel()
        assert report.valid
        assert max(gaps) < 0.2, (
            f"the loop stalled {max(gaps):.2f} s during a {took:.2f} s validation"
        )
        with pytest.raises(DocumentRefused) as refused:  # refusals cross the process boundary
            await validator.validate_async(b"<!DOCTYPE x [<!ENTITY a 'b'>]><x/>")
        assert refused.value.reason == "entity-forbidden"
    finally:
        validator.close()


def test_a_refusal_survives_pickling_to_and_from_a_worker() -> None:
    refusal = DocumentRefused(413, "too-large", "The document is too big.")
    copy = pickle.loads(pickle.dumps(refusal))
    assert (copy.status, copy.reason, copy.detail) == (413, "too-large", "The document is too big.")


def test_a_missing_rules_directory_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(RulesDirectoryError, match=r"does not exist.*EINVOICE_RULES_DIR"):
        load_validator(tmp_path / "nowhere")


def test_an_incomplete_rules_directory_names_what_is_missing(
    tmp_path: Path, rules_dir: Path
) -> None:
    sch = tmp_path / "peppol-bis-3/rules/sch"
    sch.mkdir(parents=True)
    (sch / "CEN-EN16931-UBL.sch").write_bytes(
        (rules_dir / "peppol-bis-3/rules/sch/CEN-EN16931-UBL.sch").read_bytes()
    )
    with pytest.raises(RulesDirectoryError) as refused:
        load_validator(tmp_path)
    message = str(refused.value)
    assert "PEPPOL-EN16931-UBL.sch" in message and "UBL-Invoice-2.1.xsd" in message
    assert "CEN-EN16931-UBL.sch" not in message


def test_the_rules_directory_comes_from_the_setting_or_next_to_the_repository(
    tmp_path: Path,
) -> None:
    assert rules_dir_from(str(tmp_path)) == tmp_path
    assert rules_dir_from(str(tmp_path / "absent")) is None
    next_to_repository = (REPOSITORY / ".." / "shared" / "einvoice").resolve()
    expected = next_to_repository if next_to_repository.is_dir() else None
    assert rules_dir_from(None) == expected


def test_compiled_rules_can_be_cached_and_reused(tmp_path: Path, rules_dir: Path) -> None:
    cache = tmp_path / "validation"
    first = load_validator(rules_dir, workers=1, cache_dir=cache)
    cached = sorted(p.name for p in cache.glob("*.xsl"))
    assert [name.split("-")[0] for name in cached] == ["CEN", "PEPPOL"]
    second = load_validator(rules_dir, workers=1, cache_dir=cache)
    assert [r.compiled.xslt for r in second.rule_sets] == [r.compiled.xslt for r in first.rule_sets]


def test_workers_end_when_their_service_is_killed(rules_dir: Path, tmp_path: Path) -> None:
    """SIGKILL leaves a service no chance to stop its pool: the workers must notice alone."""
    service = textwrap.dedent(
        f"""
        import asyncio, os, signal, sys
        from pathlib import Path
        from invoicing.validation.workers import ValidationPool

        async def main():
            pool = ValidationPool(Path({str(rules_dir)!r}), workers=1, max_bytes=1_000_000)
            (pid,) = await pool.start()
            print(pid, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)

        if __name__ == "__main__":  # spawned workers import this file again
            asyncio.run(main())
        """
    )
    script = tmp_path / "service.py"
    script.write_text(service)
    # Not subprocess.run: a surviving worker holds the output pipe open, and run() would wait.
    service_process = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert service_process.stdout is not None
    worker = int(service_process.stdout.readline())
    assert service_process.wait(timeout=60) == -signal.SIGKILL
    deadline = time.monotonic() + 10
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    alive = _alive(worker)
    if alive:
        os.kill(worker, signal.SIGKILL)
    assert not alive, "the worker outlived its service by 10 s"


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
    except FileNotFoundError:
        return False
    return status != "Z"  # a zombie has exited; only its parent's wait is left
