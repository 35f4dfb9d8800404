"""A hostile document is refused before any rule runs: quickly, with a named reason, having
read nothing from disk or network.

Each attack goes to parse_safely (no rules directory needed), and the same bytes to a full
Validator when the rules are here. A file the attack points at is a named pipe as well as a
plain file with a secret: opening the pipe for reading would block until a writer comes, so
anything that even tried to read it would blow the one-second budget.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from invoicing.validation import DocumentRefused, Validator, parse_safely
from invoicing.validation.intake import refuse_what_tries_something
from invoicing.validation.saxon_rules import SaxonRuleSet, to_saxon
from invoicing.validation.schematron import compile_schematron
from lxml import etree

from .hostile import (
    RecordingServer,
    billion_laughs,
    external_dtd,
    external_entity,
    invoice,
    parameter_entities,
    quadratic_blowup,
    recording_server,
    timed,
    xinclude,
)

SECRET = "correct-horse-battery-staple"
BUDGET_SECONDS = 1.0


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


@pytest.fixture
def tripwire(tmp_path: Path) -> Iterator[Path]:
    """A named pipe: whoever opens it to read waits for a writer that never comes."""
    path = tmp_path / "tripwire"
    os.mkfifo(path)
    yield path
    with contextlib.suppress(OSError):  # free a reader that got stuck, so the run ends
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RecordingServer]:
    with recording_server(tmp_path) as running:
        yield running


def refusal_of(document: bytes) -> DocumentRefused:
    """parse_safely's refusal, checked to come within the budget (on a thread, so a stuck
    read shows up as a timeout rather than a hung test)."""
    outcome: list[tuple[BaseException | None, float]] = []
    worker = threading.Thread(
        target=lambda: outcome.append(timed(lambda: parse_safely(document))), daemon=True
    )
    worker.start()
    worker.join(BUDGET_SECONDS * 5)
    assert outcome, "parse_safely did not return: something tried to read a file or URL"
    error, seconds = outcome[0]
    assert isinstance(error, DocumentRefused), f"not refused: {error!r}"
    assert seconds < BUDGET_SECONDS, f"refused only after {seconds:.2f} s"
    assert SECRET not in str(error) and SECRET not in error.detail
    return error


ATTACKS: dict[str, tuple[Callable[[Path, Path, str], bytes], str]] = {
    "billion laughs": (lambda secret, pipe, url: billion_laughs(), "entity-forbidden"),
    "quadratic blow-up": (lambda secret, pipe, url: quadratic_blowup(), "entity-forbidden"),
    "XXE file read": (lambda s, p, u: external_entity(s.as_uri()), "entity-forbidden"),
    "XXE read of a pipe": (lambda s, p, u: external_entity(p.as_uri()), "entity-forbidden"),
    "XXE URL": (lambda s, p, u: external_entity(f"{u}/xxe"), "entity-forbidden"),
    "external DTD": (lambda s, p, u: external_dtd(f"{u}/invoice.dtd"), "dtd-forbidden"),
    "external DTD on disk": (lambda s, p, u: external_dtd(p.as_uri()), "dtd-forbidden"),
    "parameter entities": (lambda s, p, u: parameter_entities(f"{u}/evil.dtd"), "entity-forbidden"),
    "XInclude of a file": (lambda s, p, u: xinclude(s.as_uri()), "xinclude-forbidden"),
    "XInclude of a URL": (lambda s, p, u: xinclude(f"{u}/include"), "xinclude-forbidden"),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_a_hostile_document_is_refused_at_once_with_a_named_reason_having_read_nothing(
    attack: str, secret_file: Path, tripwire: Path, server: RecordingServer
) -> None:
    build, reason = ATTACKS[attack]
    refusal = refusal_of(build(secret_file, tripwire, server.url))
    assert (refusal.status, refusal.reason) == (422, reason)
    assert server.hits == []


@pytest.mark.parametrize(
    "attack", [a for a, (_, r) in ATTACKS.items() if r != "xinclude-forbidden"]
)
def test_the_cheap_first_check_alone_refuses_what_a_doctype_tries(
    attack: str, secret_file: Path, tripwire: Path, server: RecordingServer
) -> None:
    """What the handlers run before waiting for a validator: entities and DTDs sit in front of
    the root, so reading up to the root's start tag finds them (XInclude needs the whole)."""
    build, reason = ATTACKS[attack]
    with pytest.raises(DocumentRefused) as refused:
        refuse_what_tries_something(build(secret_file, tripwire, server.url))
    assert refused.value.reason == reason
    assert server.hits == []
    refuse_what_tries_something(b"<not-closed>")  # merely broken: for the full parse to name


def test_the_same_attacks_in_utf16_are_refused_too(secret_file: Path) -> None:
    document = external_entity(secret_file.as_uri()).decode().encode("utf-16")
    assert refusal_of(document).reason == "entity-forbidden"


def test_an_entity_reference_without_a_doctype_is_refused() -> None:
    assert refusal_of(invoice("<Note>&xxe;</Note>")).reason == "entity-forbidden"


def test_a_document_over_the_size_limit_is_refused_unread() -> None:
    refusal = refusal_of(invoice("<Note>" + "A" * (10 * 1024 * 1024) + "</Note>"))
    assert (refusal.status, refusal.reason) == (413, "too-large")


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (b"", "not-well-formed"),
        (b"%PDF-1.7 not xml", "not-well-formed"),
        (invoice("<Note>unclosed"), "not-well-formed"),
        (
            b"<Order xmlns='urn:oasis:names:specification:ubl:schema:xsd:Order-2'/>",
            "not-ubl-invoice",
        ),
        (b"<Invoice/>", "not-ubl-invoice"),
        (b"<Invoice", "not-well-formed"),
        (b"<Order>unclosed", "not-well-formed"),
        (invoice("<a>" * 300 + "</a>" * 300), "limit-exceeded"),
    ],
    ids=[
        "empty",
        "not-xml",
        "not-well-formed",
        "an-order",
        "no-namespace",
        "cut-off-root",
        "broken-other-root",
        "too-deep",
    ],
)
def test_what_is_not_a_ubl_invoice_or_credit_note_is_refused(document: bytes, reason: str) -> None:
    refusal = refusal_of(document)
    assert (refusal.status, refusal.reason) == (422, reason)


def test_an_empty_body_is_said_to_be_empty() -> None:
    for document in (b"", b"  \n"):
        assert "The body is empty" in str(refusal_of(document))


def test_the_full_validator_refuses_the_same_way(
    validator: Validator, secret_file: Path, server: RecordingServer
) -> None:
    for document in (
        billion_laughs(),
        external_entity(secret_file.as_uri()),
        external_dtd(server.url),
    ):
        with pytest.raises(DocumentRefused) as refused:
            validator.validate(document)
        assert refused.value.status == 422
    assert server.hits == []


def test_a_schema_location_hint_in_the_document_is_never_followed(
    validator: Validator, rules_dir: Path, server: RecordingServer
) -> None:
    example = (rules_dir / "peppol-bis-3/rules/examples/base-example.xml").read_bytes()
    hinted = example.replace(
        b"<Invoice ",
        b'<Invoice xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="'
        + f'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2 {server.url}/evil.xsd" '.encode(),
        1,
    )
    assert hinted != example
    assert validator.validate(hinted).valid
    assert server.hits == []


def test_a_stylesheet_cannot_fetch_a_file_or_url_either(
    secret_file: Path, server: RecordingServer
) -> None:
    """Saxon is locked down too: rules that try doc() or unparsed-text() get nothing."""
    fetches = {
        "FILE-DOC": f"doc('{secret_file.as_uri()}')",
        "FILE-TEXT": f"unparsed-text('{secret_file.as_uri()}')",
        "URL-DOC": f"doc('{server.url}/doc')",
        "URL-TEXT": f"unparsed-text('{server.url}/text')",
    }
    asserts = "".join(
        f'<assert id="{rule}" flag="fatal" test="string({fetch}) = \'\'">'
        f'leaked <value-of select="string({fetch})"/></assert>'
        for rule, fetch in fetches.items()
    )
    sch = (
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">'
        f'<pattern><rule context="/*">{asserts}</rule></pattern></schema>'
    ).encode()
    rules = SaxonRuleSet("HOSTILE", compile_schematron(sch, "hostile"))
    findings = rules.run(to_saxon(etree.fromstring(invoice())))
    assert {f.rule for f in findings} == set(fetches)
    for finding in findings:
        assert "could not be evaluated" in finding.message
        assert SECRET not in finding.message and "from-the-server" not in finding.message
    assert server.hits == []


XML_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufffe\uffff"),
    max_size=200,
)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_are_either_a_ubl_root_or_a_named_refusal(data: bytes) -> None:
    try:
        root = parse_safely(data)
    except DocumentRefused as refusal:
        assert refusal.status in (413, 422) and refusal.reason and refusal.detail
    else:
        assert etree.QName(root).localname in ("Invoice", "CreditNote")


@settings(max_examples=200, deadline=None)
@given(XML_TEXT.filter(lambda text: all(c >= " " or c in "\t\n\r" for c in text)))
def test_any_text_content_comes_through_as_it_was_sent(text: str) -> None:
    note = etree.Element(
        "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}Note"
    )
    note.text = text
    root = parse_safely(invoice(etree.tostring(note, encoding="unicode")))
    assert (root[0].text or "") == text
