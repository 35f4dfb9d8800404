"""The validator: safe intake, UBL 2.1 XSD, then the EN 16931 and Peppol BIS Schematron rules."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Collection
from pathlib import Path

from lxml import etree

from invoicing.settings import InvoicingSettings
from invoicing.validation.findings import Finding, ValidationReport
from invoicing.validation.intake import DEFAULT_MAX_BYTES, document_type_of, parse_safely
from invoicing.validation.rules import RULE_SETS, SCHEMAS, RulesDirectory, RulesDirectoryError
from invoicing.validation.saxon_rules import SaxonRuleSet, to_saxon
from invoicing.validation.schematron import (
    COMPILER_VERSION,
    CompiledSchematron,
    compile_schematron,
)
from invoicing.validation.ubl_schema import UblSchemas
from invoicing.validation.workers import ValidationPool

DEFAULT_WORKERS = 2  # for a Validator built by hand; load_validator reads the setting


class Validator:
    """Validates UBL invoices and credit notes exactly as Peppol access points do.

    Built once by load_validator (the rules compiled and warmed) and reused.
    validate() and validate_tree() are blocking and CPU-bound; they may be called from any
    thread (each thread gets its own clone of the compiled stylesheets and its own XSD
    objects), but saxonche holds the GIL for a whole transformation, so threads neither run
    validations in parallel nor leave an event loop free meanwhile. validate_async() runs
    them in worker processes instead (see invoicing.validation.workers).
    """

    def __init__(
        self,
        rules: RulesDirectory,
        rule_sets: list[SaxonRuleSet],
        schemas: UblSchemas,
        *,
        workers: int = DEFAULT_WORKERS,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.rules = rules
        self.rule_sets = rule_sets
        self.schemas = schemas
        self.max_bytes = max_bytes
        self._pool = ValidationPool(rules.root, workers=workers, max_bytes=max_bytes)

    @property
    def rule_set_names(self) -> list[str]:
        """EN16931, PEPPOL: the order they run in."""
        return [rule_set.name for rule_set in self.rule_sets]

    def validate(
        self, data: bytes, *, rule_sets: Collection[str] | None = None
    ) -> ValidationReport:
        """Parse safely (DocumentRefused if not acceptable), then validate."""
        return self.validate_tree(parse_safely(data, self.max_bytes), rule_sets=rule_sets)

    def validate_tree(
        self, root: etree._Element, *, rule_sets: Collection[str] | None = None
    ) -> ValidationReport:
        """XSD first; the Schematron rules only on a schema-valid document (as Peppol
        validators do: rules written for valid UBL say little about invalid UBL).
        `rule_sets` picks some of EN16931 and PEPPOL (default: both)."""
        document_type = document_type_of(root)
        schema_errors = self.schemas.check(root, document_type)
        if schema_errors:
            return ValidationReport.of(document_type, schema_errors)
        findings = self.check_rules(root, rule_sets)
        return ValidationReport.of(document_type, findings)

    def check_rules(
        self, root: etree._Element, rule_sets: Collection[str] | None = None
    ) -> list[Finding]:
        """Only the Schematron rules (the official test sets hold fragments, not valid UBL)."""
        unknown = set(rule_sets or ()) - set(self.rule_set_names)
        if unknown:
            raise ValueError(f"Unknown rule sets {sorted(unknown)}; known: {self.rule_set_names}")
        document = to_saxon(root)
        return [
            finding
            for rule_set in self.rule_sets
            if rule_sets is None or rule_set.name in rule_sets
            for finding in rule_set.run(document)
        ]

    async def validate_async(self, data: bytes) -> ValidationReport:
        """validate() in a worker process, leaving the event loop free."""
        return await self._pool.validate(data)

    async def start_workers(self) -> set[int]:
        """Start and warm every worker process now rather than on the first document (call
        it at service start); returns their process ids."""
        return await self._pool.start()

    def close(self) -> None:
        """Stop the worker processes, if any were started."""
        self._pool.close()


def load_validator(
    rules_dir: Path,
    *,
    workers: int | None = None,
    cache_dir: Path | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Validator:
    """Compile each rules file once with our Schematron compiler, load the XSDs and warm up
    on the official base example (which must pass). The compiled XSLT is kept in memory and,
    with `cache_dir` (e.g. var/validation), written there for reuse and for reading.
    `workers` (default: the VALIDATION_WORKERS setting) sizes validate_async's process pool,
    which starts on first use or with `await validator.start_workers()`."""
    rules = RulesDirectory.check(rules_dir)
    if workers is None:
        workers = InvoicingSettings().validation_workers
    compiled = [
        _compiled(rules.rule_set_path(source), source.name, cache_dir) for source in RULE_SETS
    ]
    rule_sets = [SaxonRuleSet(c.name, c) for c in compiled]
    schemas = UblSchemas({kind: rules.root / path for kind, path in SCHEMAS.items()})
    validator = Validator(rules, rule_sets, schemas, workers=workers, max_bytes=max_bytes)
    warm_up = validator.validate(rules.warm_up_example.read_bytes())
    if not warm_up.valid:
        raise RulesDirectoryError(
            f"The rules in {rules.root} reject the official example {rules.warm_up_example.name}: "
            + "; ".join(f"{f.rule} {f.message}" for f in warm_up.errors[:5])
        )
    return validator


def _compiled(sch_path: Path, name: str, cache_dir: Path | None) -> CompiledSchematron:
    source = sch_path.read_bytes()
    if cache_dir is None:
        return compile_schematron(source, name)
    digest = hashlib.sha256(source + COMPILER_VERSION.encode()).hexdigest()[:16]
    cached = cache_dir / f"{sch_path.stem}-{digest}.xsl"
    ids_file = cached.with_suffix(".ids")
    if cached.is_file() and ids_file.is_file():
        ids = frozenset(ids_file.read_text().split())
        return CompiledSchematron(name, cached.read_text(encoding="utf-8"), ids)
    compiled = compile_schematron(source, name)
    cache_dir.mkdir(parents=True, exist_ok=True)
    _write_atomically(ids_file, "\n".join(sorted(compiled.rule_ids)))
    _write_atomically(cached, compiled.xslt)
    return compiled


def _write_atomically(path: Path, text: str) -> None:
    # Worker processes may compile at the same moment; nobody reads half a file.
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
