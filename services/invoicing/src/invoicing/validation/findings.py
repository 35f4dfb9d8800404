"""What validation tells the sender: findings (rule, severity, message, where) and the report."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Severity = Literal["fatal", "warning"]
DocumentType = Literal["Invoice", "CreditNote"]
SCHEMA_RULE = "UBL-XSD"


class Finding(BaseModel):
    """One broken rule: its id (BR-CO-15, PEPPOL-EN16931-R003, NL-R-001, UBL-XSD), how bad it
    is, the rule's own message and the XPath of the offending node."""

    model_config = ConfigDict(frozen=True)

    rule: str
    severity: Severity
    message: str
    location: str | None = None


class ValidationReport(BaseModel):
    """The verdict on one document: valid when no finding is fatal; warnings are kept."""

    valid: bool
    document_type: DocumentType
    errors: list[Finding]
    warnings: list[Finding]

    @classmethod
    def of(cls, document_type: DocumentType, findings: list[Finding]) -> ValidationReport:
        """Sort findings into errors and warnings, in the order the rules reported them."""
        errors = [f for f in findings if f.severity == "fatal"]
        warnings = [f for f in findings if f.severity == "warning"]
        return cls(valid=not errors, document_type=document_type, errors=errors, warnings=warnings)

    def fired(self) -> set[str]:
        """The ids of every rule that reported something."""
        return {f.rule for f in (*self.errors, *self.warnings)}
