"""Every text a page shows exists in Dutch and in English."""

from __future__ import annotations

import re

from contracts.commands.invoicing import InvoiceSummary
from contracts.commands.organisations import Organisation, PdfOptions
from contracts.commands.profile import EmailPreferences
from gateway.web.failures import why_not_delivered
from gateway.web.render import TEMPLATES
from gateway.web.words import WORDS

# Keys made from a value: the prefix in the template, and every value the contracts allow.
MADE_FROM_VALUES = {
    "status.": Organisation.model_fields["status"].annotation,
    "istatus.": InvoiceSummary.model_fields["status"].annotation,
    "pdf.": PdfOptions.model_fields["generate_pdf"].annotation,
    "org.source.": Organisation.model_fields["source"].annotation,
}


def test_every_key_a_template_names_has_both_languages() -> None:
    used: set[str] = set()
    for template in (TEMPLATES / "web").glob("*.html"):
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_.0-9]+)["']""", template.read_text()))
    assert used, "the templates name their texts with t(...)"
    # A key ending in "." is a prefix: the value is added (checked below).
    missing = sorted(key for key in used if key not in WORDS and not key.endswith("."))
    assert not missing, missing
    for key, (dutch, english) in WORDS.items():
        assert dutch.strip() and english.strip(), key


def test_every_value_shown_by_name_has_its_words() -> None:
    for prefix, annotation in MADE_FROM_VALUES.items():
        for value in annotation.__args__:  # type: ignore[union-attr]
            assert f"{prefix}{value}" in WORDS, f"{prefix}{value}"
    for choice in EmailPreferences.model_fields:
        assert f"email.{choice}" in WORDS, choice
    for key in ("scheme.0106", "scheme.9944", "scheme.0190", "role.member", "role.admin"):
        assert key in WORDS


def test_why_an_invoice_was_not_delivered_is_said_in_dutch_with_the_networks_own_words() -> None:
    said = {
        "The Peppol network knows no participant 0106:1: No SMP registration.": (
            "Het Peppol-netwerk kent geen deelnemer 0106:1 (antwoord: No SMP registration)."
        ),
        "The Peppol network knows no participant 0106:1.": (
            "Het Peppol-netwerk kent geen deelnemer 0106:1."
        ),
        "the access point at ap.example refused the document (422): Wrong type.": (
            "Het accesspoint ap.example weigerde de factuur (422) (antwoord: Wrong type)."
        ),
        "the access point at ap.example answered 503: Busy. Tried 16 times; the access point "
        "did not take it.": (
            "Het accesspoint nam de factuur niet aan, ook niet na 16 pogingen (antwoord: the "
            "access point at ap.example answered 503: Busy)."
        ),
    }
    for english, dutch in said.items():
        assert why_not_delivered(english, "nl") == dutch
        assert why_not_delivered(english, "en") == english
    assert why_not_delivered("Something else entirely.", "nl") == "Something else entirely."
