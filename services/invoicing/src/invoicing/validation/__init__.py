"""Validation of UBL invoices and credit notes by the official rules.

Safe intake (no DTD, entities, network or file reads), the UBL 2.1 XSD, and the EN 16931
and Peppol BIS Billing 3.0 Schematron rules (with the Dutch NL-R rules), compiled by our own
Schematron compiler to XSLT and run with saxonche. The rules are read from a rules directory
(the EINVOICE_RULES_DIR setting), never from this repository.
"""

from invoicing.validation.engine import Validator, load_validator
from invoicing.validation.findings import Finding, ValidationReport
from invoicing.validation.intake import DocumentRefused, parse_safely
from invoicing.validation.rules import RulesDirectoryError, rules_dir_from

__all__ = [
    "DocumentRefused",
    "Finding",
    "RulesDirectoryError",
    "ValidationReport",
    "Validator",
    "load_validator",
    "parse_safely",
    "rules_dir_from",
]
