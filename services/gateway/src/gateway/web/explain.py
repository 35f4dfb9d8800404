"""Every problem the API can answer, said in words a person can act on, in their language.

A problem's type names the kind (a sentence of ours per kind); its detail and its `errors` say
what was wrong in this case, and are shown as given: they name the field or rule and the fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from gateway.problems import Problem
from gateway.web.detail_words import detail_in
from gateway.web.field_words import field_message
from gateway.web.words import say

# (Dutch, English) for each kind of problem; the detail below it says what happened this time.
KINDS: dict[str, tuple[str, str]] = {
    "urn:problem:identity:invalid-credentials": (
        "Het e-mailadres of het wachtwoord klopt niet.",
        "The e-mail address or the password is not right.",
    ),
    "urn:problem:identity:too-many-login-attempts": (
        "Te veel pogingen om in te loggen. Wacht even en probeer het dan opnieuw.",
        "Too many attempts to log in. Wait a while, then try again.",
    ),
    "urn:problem:identity:email-not-verified": (
        "Je e-mailadres is nog niet bevestigd. Open de link in de e-mail die we je stuurden.",
        "Your e-mail address is not confirmed yet. Open the link in the e-mail we sent you.",
    ),
    "urn:problem:identity:wrong-current-password": (
        # The same type says "changed meanwhile" too: the detail below says which.
        "Het wachtwoord is niet gewijzigd.",
        "The password was not changed.",
    ),
    "urn:problem:identity:weak-password": (
        "Dit wachtwoord is te makkelijk te raden. Kies een langer wachtwoord.",
        "This password is too easy to guess. Choose a longer one.",
    ),
    "urn:problem:identity:invalid-verification-token": (
        "Deze bevestigingslink werkt niet (meer). Heb je je adres al bevestigd? Log dan gewoon "
        "in. Anders krijg je een nieuwe link door je opnieuw aan te melden.",
        "This confirmation link does not work (any more). Did you confirm your address already? "
        "Then just log in. Otherwise, sign up again to get a new link.",
    ),
    "urn:problem:identity:invalid-reset-token": (
        "Deze link om je wachtwoord te wijzigen werkt niet (meer). Vraag een nieuwe aan.",
        "This link to change your password does not work (any more). Ask for a new one.",
    ),
    "urn:problem:identity:invalid-invitation": (
        "Deze uitnodiging werkt niet (meer). Vraag wie je uitnodigde om een nieuwe.",
        "This invitation does not work (any more). Ask whoever invited you for a new one.",
    ),
    "urn:problem:identity:account-in-other-environment": (
        "Dit e-mailadres heeft al een account in een andere omgeving.",
        "This e-mail address already has an account in another environment.",
    ),
    "urn:problem:identity:not-an-image": (
        "Dit bestand is geen foto die we kunnen gebruiken. Kies een JPEG, PNG of WebP.",
        "This file is not a photo we can use. Choose a JPEG, PNG or WebP.",
    ),
    "urn:problem:identity:no-photo": ("Er is geen foto.", "There is no photo."),
    "urn:problem:organisation:unknown-kvk-number": (
        "Dit KvK-nummer staat niet in het KvK-register.",
        "This KvK number is not in the KvK register.",
    ),
    "urn:problem:organisation:register-unavailable": (
        "Het KvK-register is nu niet bereikbaar. Probeer het zo opnieuw.",
        "The KvK register cannot be reached right now. Try again shortly.",
    ),
    "urn:problem:organisation:register-refused": (
        "Het KvK-register weigerde de vraag.",
        "The KvK register refused the question.",
    ),
    "urn:problem:organisation:invalid-identifier": (
        "Dit kenmerk is niet geldig.",
        "This identifier is not valid.",
    ),
    "urn:problem:organisation:vat-check-unavailable": (
        "Het btw-id kan nu niet worden gecontroleerd. Probeer het zo opnieuw.",
        "The VAT id cannot be checked right now. Try again shortly.",
    ),
    "urn:problem:organisation:conflict": (
        "Dat kan niet in de huidige toestand van de organisatie.",
        "That is not possible in the organisation's current state.",
    ),
    "urn:problem:invoicing:invalid-document": (
        "De factuur voldoet niet aan de officiële regels en is niet verstuurd.",
        "The invoice breaks the official rules and was not sent.",
    ),
    "urn:problem:invoicing:unreadable-document": (
        "Dit bestand is geen leesbare UBL-factuur of -creditnota.",
        "This file is not a readable UBL invoice or credit note.",
    ),
    "urn:problem:invoicing:unsafe-document": (
        "Dit bestand bevat iets dat we om veiligheidsredenen niet lezen.",
        "This file contains something we do not read, for safety.",
    ),
    "urn:problem:invoicing:document-refused": (
        "Dit document kunnen we niet aannemen.",
        "We cannot take this document.",
    ),
    "urn:problem:invoicing:sender-not-active": (
        "Deze organisatie is nog niet actief en mag nog niet versturen. Activeer haar eerst.",
        "This organisation is not active yet and may not send. Activate it first.",
    ),
    "urn:problem:invoicing:sender-mismatch": (
        "De afzender in de factuur (EndpointID) is niet een kenmerk van deze organisatie.",
        "The sender in the invoice (EndpointID) is not an identifier of this organisation.",
    ),
    "urn:problem:invoicing:duplicate-invoice": (
        "Een factuur met dit nummer en deze datum is al verstuurd.",
        "An invoice with this number and date was sent already.",
    ),
    "urn:problem:invoicing:rules-unavailable": (
        "De officiële regels zijn nu niet beschikbaar, dus kunnen we niet controleren. "
        "Probeer het later opnieuw.",
        "The official rules are not available right now, so we cannot check. Try again later.",
    ),
    "urn:problem:invoicing:no-pdf": (
        "Er is geen PDF: de PDF-opties zeggen 'nooit' en de factuur heeft er geen.",
        "There is no PDF: the PDF options say never and the invoice carries none.",
    ),
    "urn:problem:invalid-request": (
        "Niet alles is goed ingevuld.",
        "Not everything is filled in correctly.",
    ),
}

# Kinds whose detail only says the same again (in English): the sentence above is all.
RESTATED = frozenset(
    {
        "urn:problem:identity:invalid-credentials",
        "urn:problem:identity:email-not-verified",
        "urn:problem:identity:invalid-verification-token",
        "urn:problem:identity:invalid-reset-token",
        "urn:problem:identity:invalid-invitation",
    }
)

BY_STATUS: dict[int, tuple[str, str]] = {
    401: ("Log opnieuw in.", "Please log in again."),
    403: ("Daarvoor heb je niet de rechten.", "You do not have the rights for that."),
    404: ("Dat bestaat niet (meer).", "That does not exist (any more)."),
    409: ("Dat kan nu niet.", "That is not possible now."),
    413: ("Het bestand is te groot.", "The file is too big."),
    415: ("Dit soort bestand kunnen we niet gebruiken.", "We cannot use this kind of file."),
    429: ("Te veel pogingen. Wacht even.", "Too many attempts. Please wait a while."),
    503: (
        "Een onderdeel is even niet bereikbaar. Er is niets veranderd; probeer het zo opnieuw.",
        "A part of the system cannot be reached right now. Nothing changed; try again shortly.",
    ),
    504: (
        "Dat duurde te lang. Kijk of het toch gelukt is, of probeer het opnieuw.",
        "That took too long. Check whether it worked, or try again.",
    ),
}


@dataclass
class Explanation:
    """What a page shows about a problem: one sentence, what happened, and each finding."""

    message: str
    detail: str | None = None
    fields: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    status: int = 422


def explain(problem: Problem, language: str) -> Explanation:
    """A problem from a service or the gateway, for a person reading `language`."""
    kind = KINDS.get(problem.type_) or BY_STATUS.get(problem.status_code)
    message = (kind[1] if language == "en" else kind[0]) if kind else problem.title
    detail = problem.problem_detail
    said = detail_in(language, detail)
    if (
        problem.type_ in RESTATED
        or said == message
        or (problem.errors and problem.type_ == "urn:problem:invalid-request")
    ):
        # "2 field(s) need attention" says less than the fields listed below it.
        detail = None
    fields: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    for error in problem.errors:
        if error.get("location") is not None or error.get("severity"):
            findings.append(error)
        else:
            fields.append(_field(error, language))
            if error.get("message") == detail:
                detail = None  # the field says it, in the page's language
    return Explanation(
        message, said if detail else None, fields, _once_each(findings), problem.status_code
    )


def _once_each(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per rule and message: a rule that fires at thirteen places (every amount of a
    missing currency, say) is one thing to change, shown once with where it fired first and how
    often."""
    rows: dict[tuple[Any, Any, Any], dict[str, Any]] = {}
    for finding in findings:
        key = (finding.get("rule"), finding.get("severity"), finding.get("message"))
        if key in rows:
            rows[key]["count"] += 1
        else:
            rows[key] = {**finding, "count": 1}
    return list(rows.values())


def explain_form(error: ValidationError, language: str) -> Explanation:
    """A form that does not pass the API's own request model, field by field."""
    fields = [
        _field(
            {
                "field": ".".join(str(part) for part in item["loc"]) or None,
                "message": item["msg"].removeprefix("Value error, "),
                "rule": item["type"],
                "context": item.get("ctx") or {},
            },
            language,
            show_rule=False,  # pydantic's name for it says nothing a person needs
        )
        for item in error.errors()
    ]
    return Explanation(say(language, "error.fields"), None, fields)


def _field(error: dict[str, Any], language: str, *, show_rule: bool = True) -> dict[str, Any]:
    name = str(error.get("field") or error.get("rule") or "")
    last = name.rsplit(".", 1)[-1]
    label = say(language, f"field.{last}") if last else ""
    if label == f"field.{last}":
        label = last
    return {
        "name": last,
        "label": label,
        # The rule's code is English; a Dutch message says which check in words.
        "rule": error.get("rule") if show_rule and language == "en" else None,
        "message": field_message(error, language),
    }
