"""The official rules directory, one warm validator for the whole session, and the tally of
the official test sets printed at the end of the run."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from invoicing.validation import Validator, load_validator, rules_dir_from

REQUIRED = os.environ.get("REQUIRE_EINVOICE_RULES") == "1"
MISSING_RULES = (
    "the official e-invoicing rules directory is not here (EINVOICE_RULES_DIR names no folder, "
    "or it is unset and there is no ../shared/einvoice next to the repository); point "
    "EINVOICE_RULES_DIR at it to run these tests; REQUIRE_EINVOICE_RULES=1 makes its absence "
    "a failure"
)

# test set -> Counter(passed=..., failed=...), filled by the conformance tests.
TALLY: dict[str, Counter[str]] = {}


def official_rules_dir() -> Path | None:
    """The rules directory the tests use, or None when this machine has none."""
    return rules_dir_from(os.environ.get("EINVOICE_RULES_DIR"))


def require_rules() -> Path:
    """The rules directory; skips the test (fails with REQUIRE_EINVOICE_RULES=1) without it."""
    rules_dir = official_rules_dir()
    if rules_dir is None:
        if REQUIRED:
            pytest.fail(MISSING_RULES)
        pytest.skip(MISSING_RULES)
    return rules_dir


@pytest.fixture(scope="session")
def rules_dir() -> Path:
    """The official rules directory (skip or fail without it)."""
    return require_rules()


@pytest.fixture(scope="session")
def validator(rules_dir: Path) -> Iterator[Validator]:
    """One validator, compiled and warmed once, for every test of the session."""
    loaded = load_validator(rules_dir, workers=1)
    yield loaded
    loaded.close()


def tally(test_set: str, passed: bool) -> None:
    """Count one official test for the summary."""
    TALLY.setdefault(test_set, Counter())["passed" if passed else "failed"] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The pass count per official test set, as the issue asks for it."""
    if not TALLY:
        return
    terminalreporter.section("official e-invoicing test sets")
    terminalreporter.write_line(f"{'test set':<22}{'tests':>7}{'passed':>8}{'failed':>8}")
    for test_set, counts in TALLY.items():
        total = counts["passed"] + counts["failed"]
        terminalreporter.write_line(
            f"{test_set:<22}{total:>7}{counts['passed']:>8}{counts['failed']:>8}"
        )
