"""What happened this time (a problem's detail), in the page's language.

Organisation and invoicing explain a refusal in an English sentence of their own, with the
names, numbers and identifiers of the case inside. A Dutch page says those sentences in Dutch
and keeps the names and numbers as they came; a sentence it does not know it shows as it came.
The tests feed this the sentences the services really write, so the two cannot drift apart
unnoticed.
"""

from __future__ import annotations

import re
from datetime import date

from servicekit.wording import local_date

from gateway.web.sentences import Sentences, in_dutch

# As they read after "deze is" or "<name> is".
_STATUSES: dict[str, str] = {
    "added": "nog niet geactiveerd",
    "activation_pending": "nog in afwachting van activering",
    "active": "actief",
}


_REGISTERS: dict[str, str] = {"KvK number": "KvK-nummer", "RSIN": "RSIN"}


def _day(iso: str) -> str:
    """An ISO date as a Dutch reader writes it (13 november 2017); anything else as it came."""
    try:
        return local_date(date.fromisoformat(iso), "nl")
    except ValueError:
        return iso


def _status(status: str) -> str:
    return _STATUSES.get(status, status)


_SENTENCES: Sentences = (
    # organisation
    (
        re.compile(
            r"KvK number (?P<kvk>\S+) with establishment number (?P<establishment>\S+) is "
            r"already active or waiting for activation in (?P<where>your|another) environment; "
            r"one registration can be active in only one environment at a time\. Ask its holder "
            r"to move the organisation to you instead\."
        ),
        lambda m: (
            f"KvK-nummer {m['kvk']} met vestigingsnummer "
            f"{m['establishment'].replace('(none)', '(geen)')} is al actief of wacht op "
            f"activering in {'je eigen' if m['where'] == 'your' else 'een andere'} omgeving; "
            "een inschrijving kan maar in één omgeving tegelijk actief zijn. Vraag wie haar "
            "heeft, de organisatie naar jou over te zetten."
        ),
    ),
    (
        re.compile(
            r"KvK number (?P<kvk>\S+) with establishment number (?P<establishment>\S+) was "
            r"added to your environment by another request at the same moment; use that one\."
        ),
        lambda m: (
            f"KvK-nummer {m['kvk']} met vestigingsnummer "
            f"{m['establishment'].replace('(none)', '(geen)')} is op hetzelfde moment door een "
            "ander verzoek aan je omgeving toegevoegd; gebruik die."
        ),
    ),
    (
        re.compile(
            r"KvK number (?P<kvk>\S+) with establishment number (?P<establishment>\S+) is in "
            r"your environment already, as (?P<name>.+) \((?P<id>[0-9a-f-]+)\); use that one\."
        ),
        lambda m: (
            f"KvK-nummer {m['kvk']} met vestigingsnummer "
            f"{m['establishment'].replace('(none)', '(geen)')} staat al in je omgeving, als "
            f"{m['name']} ({m['id']}); gebruik die."
        ),
    ),
    (
        re.compile(
            r"Participant id (?P<ids>.+) already receives at another organisation; one "
            r"participant id can be reached at one organisation only\."
        ),
        lambda m: (
            f"Deelnemer-id {m['ids']} ontvangt al bij een andere organisatie; een deelnemer-id "
            "is bij maar één organisatie te bereiken."
        ),
    ),
    (
        re.compile(
            r"The KvK number of an organisation from the register cannot change; add the other "
            r"KvK number as its own organisation\."
        ),
        lambda m: (
            "Het KvK-nummer van een organisatie uit het KvK-register kan niet veranderen; voeg "
            "het andere KvK-nummer toe als een eigen organisatie."
        ),
    ),
    (
        re.compile(r"The KvK number of an organisation from the register stays\."),
        lambda m: "Het KvK-nummer van een organisatie uit het KvK-register blijft staan.",
    ),
    (
        re.compile(
            r"A receiving organisation needs at least one identifier to be found by; switch "
            r"receiving off first or add another identifier\."
        ),
        lambda m: (
            "Een organisatie die ontvangt, heeft minstens één kenmerk nodig om gevonden te "
            "worden; zet ontvangen eerst uit of voeg een ander kenmerk toe."
        ),
    ),
    (
        re.compile(
            r"An organisation added by hand cannot be activated, because the KvK register does "
            r"not vouch for it; add the organisation from the KvK register by its KvK number and "
            r"activate that one\."
        ),
        lambda m: (
            "Een organisatie die je zelf hebt ingevuld, kan niet actief worden, want het "
            "KvK-register staat er niet voor in; voeg de organisatie toe uit het KvK-register, "
            "met haar KvK-nummer, en activeer die."
        ),
    ),
    (
        re.compile(
            r"Only an active organisation can receive e-invoices; this one is (?P<status>\w+); "
            r"activate it first \(POST \.\.\./activation\)\."
        ),
        lambda m: (
            "Alleen een actieve organisatie kan e-facturen ontvangen; deze is "
            f"{_status(m['status'])}. Activeer haar eerst."
        ),
    ),
    (
        re.compile(
            r"The OIN (?P<oin>\d+) is derived from (?P<register>KvK number|RSIN) (?P<number>\d+), "
            r"and (?:this organisation's is (?P<own>\d+)|the register gives this one none); an "
            r"OIN from an? (?:KvK number|RSIN) belongs to the organisation with that "
            r"(?:KvK number|RSIN)\."
        ),
        lambda m: (
            f"Het OIN {m['oin']} is afgeleid van {_REGISTERS[m['register']]} {m['number']}, en "
            + (
                f"dat van deze organisatie is {m['own']}"
                if m["own"]
                else "het KvK-register geeft deze organisatie er geen"
            )
            + f"; een OIN uit een {_REGISTERS[m['register']]} hoort bij de organisatie met dat "
            f"{_REGISTERS[m['register']]}."
        ),
    ),
    (
        re.compile(r"Add an identifier first: senders find a receiver by it\."),
        lambda m: "Voeg eerst een kenmerk toe: daaraan vinden afzenders een ontvanger.",
    ),
    (
        re.compile(
            r"The organisation was changed by another request at the same time; nothing of this "
            r"one was stored\. Read it again and retry\."
        ),
        lambda m: (
            "De organisatie werd tegelijk door iemand anders gewijzigd; hiervan is niets "
            "bewaard. Laad de pagina opnieuw en probeer het nog eens."
        ),
    ),
    (
        re.compile(r".* Nothing was changed; try again in (?P<n>\d+) seconds\."),
        # What failed in the register or VIES is for the operators (it is in the logs); the
        # kind's sentence above it already says which register.
        lambda m: f"Er is niets veranderd; probeer het over {m['n']} seconden opnieuw.",
    ),
    (
        re.compile(r"[Oo]rganisation (?P<id>[0-9a-f-]+) is not known"),
        lambda m: "Deze organisatie bestaat niet (meer), of hoort niet bij jouw omgeving.",
    ),
    (
        re.compile(r"[Ii]nvoice (?P<id>[0-9a-f-]+) is not known"),
        lambda m: "Deze factuur bestaat niet (meer), of hoort niet bij deze organisatie.",
    ),
    (
        re.compile(r"[Uu]ser (?P<id>[0-9a-f-]+) is not known"),
        lambda m: "Deze gebruiker bestaat niet (meer) in jouw omgeving.",
    ),
    # identity
    (
        re.compile(r"The current password is not right; nothing was changed\."),
        lambda m: "Het huidige wachtwoord klopt niet; er is niets gewijzigd.",
    ),
    (
        re.compile(r"The password was changed meanwhile; log in again\."),
        lambda m: "Het wachtwoord is intussen al gewijzigd; log opnieuw in.",
    ),
    (
        re.compile(r"Too many wrong passwords\. Try again in (?P<n>\d+) seconds\."),
        lambda m: f"Te vaak een verkeerd wachtwoord. Probeer het over {m['n']} seconden opnieuw.",
    ),
    # invoicing
    (
        re.compile(
            r"(?P<name>.+) is (?P<status>\w+): only an active organisation may send\. Activate "
            r"it first \(POST /api/v1/organisations/\{id\}/activation\)\."
        ),
        lambda m: (
            f"{m['name']} is {_status(m['status'])}: alleen een actieve organisatie mag "
            "versturen. Activeer haar eerst."
        ),
    ),
    (
        re.compile(r"(?P<n>\d+) rule\(s\) failed; nothing was stored\."),
        lambda m: (
            f"{m['n']} {'regel is' if m['n'] == '1' else 'regels zijn'} niet nageleefd; er is "
            "niets bewaard."
        ),
    ),
    (
        re.compile(
            r"The supplier's EndpointID (?P<sender>\S+) is not one of (?P<name>.+)'s identifiers "
            r"\((?P<known>.*)\)\. Put one of those in the invoice, (?P<add>add it to this "
            r"organisation as an identifier, )?or send it from the organisation it belongs to\."
        ),
        lambda m: (
            f"De EndpointID van de leverancier, {m['sender'].replace('(none)', '(geen)')}, is "
            f"geen kenmerk van {m['name']} ({m['known'].replace('none yet', 'nog geen')}). Zet "
            "een van die kenmerken in de factuur, "
            + ("voeg hem als kenmerk toe aan deze organisatie, " if m["add"] else "")
            + "of verstuur de factuur vanuit de organisatie waar hij bij hoort."
        ),
    ),
    (
        re.compile(r"The customer has no EndpointID to deliver to\."),
        lambda m: "De afnemer heeft geen EndpointID om bij af te leveren.",
    ),
    (
        re.compile(
            r"Invoice (?P<number>.+) of (?P<date>\S+) was submitted before \(invoice "
            r"(?P<id>\S+)\); nothing was stored\. Give a new invoice a new number\."
        ),
        lambda m: (
            f"Factuur {m['number']} van {_day(m['date'])} is al eerder ingediend (factuur "
            f"{m['id']}); er is niets bewaard. Geef een nieuwe factuur een nieuw nummer."
        ),
    ),
)


def detail_in(language: str, detail: str | None) -> str | None:
    """A problem's detail in `language` (as it came when it is not one of the known ones)."""
    if detail is None or language == "en":
        return detail
    return in_dutch(_SENTENCES, detail) or detail
