"""Conformance: we judge documents as the official rules and their own test sets say.

Every official example is accepted by the rules it was written for, and for every <test>
of the four official test sets (unit-UBL-PEPPOL, unit-UBL-NL, Invoice-unit-UBL,
CreditNote-unit-UBL) the test's own rule fires, or stays silent, as the test says. Each test
is one pytest item; the pass count per set is printed at the end of the run.
"""

from __future__ import annotations

import pytest
from invoicing.validation import Validator
from invoicing.validation.conformance import (
    OfficialExample,
    OfficialTest,
    check_example,
    official_examples,
    official_tests,
    run_test,
)

from .conftest import official_rules_dir, require_rules, tally

RULES_DIR = official_rules_dir()
NO_RULES = [pytest.param(None, id="rules-directory-missing")]
TESTS = list(official_tests(RULES_DIR)) if RULES_DIR else []
EXAMPLES = list(official_examples(RULES_DIR)) if RULES_DIR else []


@pytest.mark.parametrize(
    "official",
    [pytest.param(test, id=test.test_id) for test in TESTS] or NO_RULES,
)
def test_the_rule_under_test_fires_exactly_as_the_test_set_says(
    official: OfficialTest | None, validator: Validator
) -> None:
    if official is None:
        require_rules()
        return
    problem = run_test(validator, official)
    tally(official.test_set, passed=problem is None)
    assert problem is None, f"{official.test_id}: {problem}"


@pytest.mark.parametrize(
    "example",
    [pytest.param(example, id=example.example_id) for example in EXAMPLES] or NO_RULES,
)
def test_every_official_example_is_accepted_by_the_rules_it_was_written_for(
    example: OfficialExample | None, validator: Validator
) -> None:
    if example is None:
        require_rules()
        return
    report = check_example(validator, example)
    assert report.valid, [f"{e.rule} at {e.location}: {e.message}" for e in report.errors]


def test_the_peppol_examples_pass_every_rule_set_we_run(validator: Validator) -> None:
    peppol = [e for e in EXAMPLES if e.rule_sets == tuple(validator.rule_set_names)]
    assert len(peppol) == 9  # the nine examples of peppol-bis-3/rules/examples
    for example in peppol:
        assert validator.validate(example.path.read_bytes()).valid, example.example_id


def test_every_official_test_set_is_found_and_none_is_empty() -> None:
    require_rules()
    per_set: dict[str, int] = {}
    for test in TESTS:
        per_set[test.test_set] = per_set.get(test.test_set, 0) + 1
    assert set(per_set) == {
        "unit-UBL-PEPPOL",
        "unit-UBL-NL",
        "Invoice-unit-UBL",
        "CreditNote-unit-UBL",
    }
    assert all(count > 0 for count in per_set.values())
