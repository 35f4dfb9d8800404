"""The official examples and test sets, and how our validator fares on them.

    python -m invoicing.validation.conformance [RULES_DIR]

prints a table per test set (tests, passed, failed, and every failure with what fired) and
one line per official example. The pytest suite runs the same cases one item each.

How a test is judged (the test sets' own convention): each <test> holds a fragment, not a
complete invoice, so only the Schematron runs (no XSD), and the test is judged by its own
rule id alone: <success>ID</success> passes when ID does not fire, <error>ID</error> when
it fires as fatal, <warning>ID</warning> when it fires as a warning.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from invoicing.validation.engine import Validator, load_validator
from invoicing.validation.findings import Finding, ValidationReport
from invoicing.validation.rules import rules_dir_from

TEST_SET_NS = "http://difi.no/xsd/vefa/validator/1.0"
TEST_SETS = {
    "unit-UBL-PEPPOL": Path("peppol-bis-3/rules/unit-UBL-PEPPOL"),
    "unit-UBL-NL": Path("peppol-bis-3/rules/unit-UBL-NL"),
    "Invoice-unit-UBL": Path("en16931/test/Invoice-unit-UBL"),
    "CreditNote-unit-UBL": Path("en16931/test/CreditNote-unit-UBL"),
}
# Which rules an example was written for. The EN 16931 examples are CEN's (customization
# urn:cen.eu:en16931:2017, mostly without a Peppol ProfileID): they must pass the UBL XSD
# and the EN 16931 rules; the Peppol rules refuse most of them, as any access point would.
EXAMPLE_FOLDERS = {
    "peppol-bis-3/rules/examples": ("EN16931", "PEPPOL"),
    "en16931/ubl/examples": ("EN16931",),
    "en16931/test/testfiles": ("EN16931",),
}
EXPECTED_SEVERITY = {"error": "fatal", "warning": "warning"}


@dataclass(frozen=True)
class Expectation:
    """success, error or warning for one rule id."""

    kind: str
    rule: str


@dataclass(frozen=True)
class OfficialTest:
    """One <test> of an official test set."""

    test_set: str
    file: str
    number: int
    expectations: tuple[Expectation, ...]
    document: bytes

    @property
    def test_id(self) -> str:
        """unit-UBL-NL/NL-R-001.xml#2"""
        return f"{self.test_set}/{self.file}#{self.number}"

    def judge(self, findings: list[Finding]) -> str | None:
        """None when the test passes, else why not."""
        fired: dict[str, set[str]] = {}
        for finding in findings:
            fired.setdefault(finding.rule, set()).add(finding.severity)
        problems = []
        for expected in self.expectations:
            seen = fired.get(expected.rule, set())
            wanted = EXPECTED_SEVERITY.get(expected.kind)
            if expected.kind == "success" and seen:
                problems.append(f"{expected.rule} fired ({', '.join(sorted(seen))})")
            elif wanted is not None and wanted not in seen:
                how = f"fired as {', '.join(sorted(seen))}" if seen else "did not fire"
                problems.append(f"{expected.rule} {how}, expected {wanted}")
        return "; ".join(problems) or None


@dataclass(frozen=True)
class OfficialExample:
    """A complete official invoice or credit note and the rule sets it was written for."""

    path: Path
    example_id: str  # its path in the rules directory: en16931/ubl/examples/guide-example1.xml
    rule_sets: tuple[str, ...]


def official_tests(rules_dir: Path) -> Iterator[OfficialTest]:
    """Every <test> of every file of the four test sets (whatever the file's extension:
    unit-UBL-PEPPOL has a PEPPOL-COMMON-R048.xm whose only tests are commented out)."""
    for test_set, folder in TEST_SETS.items():
        for path in sorted((rules_dir / folder).iterdir()):
            root = etree.parse(str(path), etree.XMLParser(no_network=True)).getroot()
            if root.tag != f"{{{TEST_SET_NS}}}testSet":
                continue
            for number, test in enumerate(root.iterchildren(f"{{{TEST_SET_NS}}}test"), 1):
                yield _official_test(test_set, path.name, number, test)


def _official_test(test_set: str, file: str, number: int, test: etree._Element) -> OfficialTest:
    expectations, document = [], None
    for child in test.iterchildren("*"):
        if child.tag == f"{{{TEST_SET_NS}}}assert":
            expectations = [
                Expectation(etree.QName(e).localname, (e.text or "").strip())
                for e in child.iterchildren("*")
                if etree.QName(e).localname in {"success", "error", "warning"}
            ]
        elif document is None:
            document = etree.tostring(child)
    if document is None or not expectations:
        raise ValueError(f"{test_set}/{file} test {number} has no document or no expectation")
    return OfficialTest(test_set, file, number, tuple(expectations), document)


def official_examples(rules_dir: Path) -> Iterator[OfficialExample]:
    """Every complete UBL Invoice/CreditNote of the example folders (.xml or .XML)."""
    for folder, rule_sets in EXAMPLE_FOLDERS.items():
        for path in sorted((rules_dir / folder).iterdir()):
            if path.suffix.lower() == ".xml":
                yield OfficialExample(path, str(path.relative_to(rules_dir)), rule_sets)


def run_test(validator: Validator, test: OfficialTest) -> str | None:
    """Run the Schematron on one test's fragment; None when it passes, else why not."""
    root = etree.fromstring(test.document, etree.XMLParser(no_network=True))
    return test.judge(validator.check_rules(root))


def check_example(validator: Validator, example: OfficialExample) -> ValidationReport:
    """XSD and the rule sets the example was written for."""
    return validator.validate(example.path.read_bytes(), rule_sets=example.rule_sets)


def main(argv: list[str] | None = None) -> int:
    """Print the pass counts per test set and the examples' verdicts; 1 if any failed."""
    args = sys.argv[1:] if argv is None else argv
    rules_dir = rules_dir_from(args[0] if args else None)
    if rules_dir is None:
        print("No rules directory: set EINVOICE_RULES_DIR or pass it as the argument.")
        return 2
    validator = load_validator(rules_dir, workers=1)
    print(f"Rules directory: {rules_dir}\n")
    failed = _print_test_sets(validator, rules_dir) + _print_examples(validator, rules_dir)
    return 1 if failed else 0


def _print_test_sets(validator: Validator, rules_dir: Path) -> int:
    counts: dict[str, list[int]] = {name: [0, 0] for name in TEST_SETS}
    failures: list[str] = []
    for test in official_tests(rules_dir):
        problem = run_test(validator, test)
        counts[test.test_set][0 if problem is None else 1] += 1
        if problem is not None:
            failures.append(f"  FAIL {test.test_id}: {problem}")
    print(f"{'test set':<22}{'tests':>7}{'passed':>8}{'failed':>8}")
    for name, (passed, not_passed) in counts.items():
        print(f"{name:<22}{passed + not_passed:>7}{passed:>8}{not_passed:>8}")
    for failure in failures:
        print(failure)
    return len(failures)


def _print_examples(validator: Validator, rules_dir: Path) -> int:
    examples = list(official_examples(rules_dir))
    width = max(len(example.example_id) for example in examples) + 2
    print(f"\n{'example':<{width}}{'rules':<16}verdict")
    refused = 0
    for example in examples:
        report = check_example(validator, example)
        verdict = "accepted" if report.valid else "REFUSED " + _rules(report.errors)
        print(f"{example.example_id:<{width}}{'+'.join(example.rule_sets):<16}{verdict}")
        refused += not report.valid
        if report.valid and example.rule_sets != tuple(validator.rule_set_names):
            # Not a target: what the Peppol rules say of a CEN example, for the reader.
            full = validator.validate(example.path.read_bytes())
            if not full.valid:
                print(f"{'':<{width}}{'(+PEPPOL)':<16}refused: {_rules(full.errors)}")
    return refused


def _rules(findings: list[Finding]) -> str:
    return ", ".join(sorted({f.rule for f in findings}))


if __name__ == "__main__":
    sys.exit(main())
