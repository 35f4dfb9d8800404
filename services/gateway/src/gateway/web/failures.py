"""Why an invoice was not delivered, in the page's language.

Invoicing says why in English (the API's `failure_reason`, the timeline's detail), in a few
sentences of its own, some with an access point's words inside. A Dutch page says those
sentences in Dutch and keeps the access point's words as they came; anything else it shows as
it is. The tests feed this the sentences invoicing really writes, so the two cannot drift apart
unnoticed.
"""

from __future__ import annotations

import re

from gateway.web.sentences import Sentences, in_dutch


def _quoted(why: str | None) -> str:
    return f" (antwoord: {why})" if why else ""


_SENTENCES: Sentences = (
    (
        re.compile(
            r"The recipient (?P<who>\S+) is not on this platform, and there is no route outside "
            r"this platform\."
        ),
        lambda m: (
            f"De ontvanger {m['who']} zit niet op dit platform, en er is geen route daarbuiten."
        ),
    ),
    (
        re.compile(
            r"The recipient (?P<who>\S+) is on this platform but does not receive e-invoices\."
        ),
        lambda m: f"De ontvanger {m['who']} staat op dit platform, maar ontvangt geen e-facturen.",
    ),
    (
        re.compile(r"The Peppol network knows no participant (?P<who>\S+?)(?:: (?P<why>.*?))?\."),
        lambda m: f"Het Peppol-netwerk kent geen deelnemer {m['who']}{_quoted(m['why'])}.",
    ),
    (
        re.compile(
            r"the access point at (?P<host>\S+) refused the document \((?P<status>\d{3})\)"
            r"(?:: (?P<why>.*?))?\."
        ),
        lambda m: (
            f"Het accesspoint {m['host']} weigerde de factuur ({m['status']}){_quoted(m['why'])}."
        ),
    ),
    (
        re.compile(
            r"(?P<why>.+?)\.? Tried (?P<times>\d+) times; the access point did not take it\."
        ),
        lambda m: (
            f"Het accesspoint nam de factuur niet aan, ook niet na {m['times']} pogingen"
            f"{_quoted(m['why'])}."
        ),
    ),
)


def why_not_delivered(detail: str, language: str) -> str:
    """`detail` as a reader of `language` reads it."""
    if language == "en":
        return detail
    return in_dutch(_SENTENCES, detail) or detail
