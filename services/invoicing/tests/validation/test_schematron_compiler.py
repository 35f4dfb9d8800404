"""Our Schematron compiler, on small rule files written for each behaviour (no rules
directory needed): what ISO Schematron means is what the compiled stylesheet does."""

from __future__ import annotations

import pytest
from invoicing.validation import Finding
from invoicing.validation.saxon_rules import SaxonRuleSet, to_saxon
from invoicing.validation.schematron import SchematronCompileError, compile_schematron
from lxml import etree

UBL = (
    'xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
    'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" '
    'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"'
)
NAMESPACES = """
  <ns prefix="ubl" uri="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>
  <ns prefix="cac" uri="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"/>
  <ns prefix="cbc" uri="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"/>
  <ns prefix="xs" uri="http://www.w3.org/2001/XMLSchema"/>
"""
TWO_LINES = f"""<Invoice {UBL}>
  <cbc:ID>INV-1</cbc:ID>
  <cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:LineExtensionAmount currencyID="EUR">10</cbc:LineExtensionAmount></cac:InvoiceLine>
  <cac:InvoiceLine><cbc:ID>2</cbc:ID><cbc:LineExtensionAmount currencyID="USD"></cbc:LineExtensionAmount></cac:InvoiceLine>
</Invoice>"""


def findings(body: str, document: str = TWO_LINES, head: str = "") -> list[Finding]:
    sch = (
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">'
        f"{NAMESPACES}{head}{body}</schema>"
    )
    rules = SaxonRuleSet("TEST", compile_schematron(sch.encode(), "test"))
    return rules.run(to_saxon(etree.fromstring(document.encode())))


def test_a_failed_assert_names_its_rule_severity_message_and_where() -> None:
    found = findings(
        '<pattern><rule context="cac:InvoiceLine">'
        '<assert id="LINE-01" flag="fatal" test="cbc:LineExtensionAmount != \'\'">'
        'Line <value-of select="cbc:ID"/> (a <name/>) has no amount.</assert>'
        "</rule></pattern>"
    )
    assert found == [
        Finding(
            rule="LINE-01",
            severity="fatal",
            message="Line 2 (a cac:InvoiceLine) has no amount.",
            location="/ubl:Invoice/cac:InvoiceLine[2]",
        )
    ]


def test_a_report_fires_when_its_test_is_true_and_warning_flags_are_warnings() -> None:
    found = findings(
        '<pattern><rule context="cbc:LineExtensionAmount[@currencyID]">'
        '<report id="CUR-01" flag="warning" test="@currencyID != \'EUR\'">Not euro</report>'
        "</rule></pattern>"
    )
    assert [(f.rule, f.severity, f.location) for f in found] == [
        ("CUR-01", "warning", "/ubl:Invoice/cac:InvoiceLine[2]/cbc:LineExtensionAmount")
    ]


def test_only_the_first_matching_rule_of_a_pattern_checks_a_node() -> None:
    body = (
        "<pattern>"
        '<rule context="cac:InvoiceLine[cbc:ID = \'1\']"><assert id="FIRST" test="false()">x</assert></rule>'
        '<rule context="cac:InvoiceLine"><assert id="SECOND" test="false()">x</assert></rule>'
        "</pattern>"
        '<pattern><rule context="cac:InvoiceLine"><assert id="OTHER-PATTERN" test="false()">x</assert></rule></pattern>'
    )
    fired = [(f.rule, f.location) for f in findings(body)]
    assert fired == [
        ("FIRST", "/ubl:Invoice/cac:InvoiceLine[1]"),
        ("SECOND", "/ubl:Invoice/cac:InvoiceLine[2]"),
        ("OTHER-PATTERN", "/ubl:Invoice/cac:InvoiceLine[1]"),
        ("OTHER-PATTERN", "/ubl:Invoice/cac:InvoiceLine[2]"),
    ]


def test_lets_at_schema_pattern_and_rule_level_and_foreign_functions_are_understood() -> None:
    head = (
        '<ns prefix="u" uri="utils"/>'
        '<let name="currency" value="/ubl:Invoice/cac:InvoiceLine[1]/cbc:LineExtensionAmount/@currencyID"/>'
        '<function xmlns="http://www.w3.org/1999/XSL/Transform" name="u:twice" as="xs:integer">'
        '<param name="n" as="xs:integer"/><sequence select="2 * $n"/></function>'
    )
    body = (
        '<pattern><let name="lines" value="count(//cac:InvoiceLine)"/>'
        '<rule context="cac:InvoiceLine"><let name="mine" value="string(cbc:LineExtensionAmount/@currencyID)"/>'
        '<assert id="SAME-CURRENCY" test="$mine = $currency and u:twice($lines) = 4">'
        '<value-of select="$mine"/> is not <value-of select="$currency"/></assert>'
        "</rule></pattern>"
    )
    found = findings(body, head=head)
    assert [(f.rule, f.message) for f in found] == [("SAME-CURRENCY", "USD is not EUR")]


def test_a_test_that_cannot_be_evaluated_is_a_finding_of_that_rule_not_a_crash() -> None:
    body = (
        '<pattern><rule context="cac:InvoiceLine">'
        '<let name="amount" value="xs:decimal(cbc:LineExtensionAmount)"/>'
        '<assert id="POSITIVE" flag="fatal" test="$amount &gt; 0">Amount must be positive</assert>'
        '<assert id="HAS-ID" flag="fatal" test="cbc:ID">Line needs an id</assert>'
        "</rule></pattern>"
    )
    found = findings(body)
    assert [(f.rule, f.location) for f in found] == [
        ("POSITIVE", "/ubl:Invoice/cac:InvoiceLine[2]")
    ]
    assert found[0].message.startswith("Amount must be positive (this rule could not be evaluated")
    assert "xs:decimal" in found[0].message


def test_the_default_phase_chooses_the_patterns() -> None:
    head = '<phase id="only-b"><active pattern="b"/></phase>'
    body = (
        '<pattern id="a"><rule context="/"><assert id="A" test="false()">a</assert></rule></pattern>'
        '<pattern id="b"><rule context="/"><assert id="B" test="false()">b</assert></rule></pattern>'
    )
    sch = (
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2" defaultPhase="only-b">'
        f"{head}{body}</schema>"
    )
    compiled = compile_schematron(sch.encode(), "phases")
    found = SaxonRuleSet("P", compiled).run(to_saxon(etree.fromstring(TWO_LINES.encode())))
    assert [f.rule for f in found] == ["B"]


@pytest.mark.parametrize(
    ("sch", "complaint"),
    [
        (
            "<schema xmlns='http://purl.oclc.org/dsdl/schematron' queryBinding='xslt'/>",
            "query binding",
        ),
        (
            "<schema xmlns='http://purl.oclc.org/dsdl/schematron' queryBinding='xslt2'>"
            "<pattern><rule abstract='true' id='r'/></pattern></schema>",
            "not supported",
        ),
        (
            "<schema xmlns='http://purl.oclc.org/dsdl/schematron' queryBinding='xslt2'>"
            "<include href='other.sch'/></schema>",
            "not supported",
        ),
        ("<rules/>", "not an ISO sch:schema"),
        ("<schema", "not well-formed"),
    ],
    ids=["xslt1", "abstract-rule", "include", "not-schematron", "not-xml"],
)
def test_what_the_compiler_cannot_run_faithfully_it_refuses(sch: str, complaint: str) -> None:
    with pytest.raises(SchematronCompileError, match=complaint):
        compile_schematron(sch.encode(), "refused")
