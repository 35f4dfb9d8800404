"""Everything the pages say, in Dutch and English, side by side so neither falls behind."""

from __future__ import annotations

LANGUAGES = ("nl", "en")

WORDS: dict[str, tuple[str, str]] = {
    # frame
    "product": ("E-facturatie", "E-invoicing"),  # as the mails sign
    "skip": ("Naar de inhoud", "Skip to content"),
    "nav.home": ("Overzicht", "Overview"),
    "nav.organisations": ("Organisaties", "Organisations"),
    "nav.account": ("Mijn gegevens", "My details"),
    "nav.email": ("E-mails", "E-mails"),
    "nav.logout": ("Uitloggen", "Log out"),
    "nav.login": ("Inloggen", "Log in"),
    "nav.signup": ("Aanmelden", "Sign up"),
    "language.switch": ("English", "Nederlands"),
    "language.label": ("Taal", "Language"),
    "save": ("Opslaan", "Save"),
    "yes": ("Ja", "Yes"),
    "no": ("Nee", "No"),
    "optional": ("optioneel", "optional"),
    # sign up, verify, log in
    "signup.title": ("Aanmelden", "Sign up"),
    "signup.intro": (
        "Maak een omgeving aan voor je organisaties. Je krijgt een e-mail om je adres te "
        "bevestigen.",
        "Create an environment for your organisations. We send you an e-mail to confirm your "
        "address.",
    ),
    "field.full_name": ("Volledige naam", "Full name"),
    "field.email": ("E-mailadres", "E-mail address"),
    "field.password": ("Wachtwoord", "Password"),
    "field.password.hint": (
        "12 tot 128 tekens en moeilijk te raden, bijvoorbeeld vier losse woorden.",
        "12 to 128 characters and hard to guess, for example four unrelated words.",
    ),
    "field.environment_name": ("Naam van je omgeving", "Name of your environment"),
    "field.language": ("Taal", "Language"),
    "signup.button": ("Account maken", "Create account"),
    "signup.sent.title": ("Kijk in je mailbox", "Check your mailbox"),
    "signup.sent": (
        "Als dit adres gebruikt kan worden, is er een e-mail met een bevestigingslink "
        "onderweg. Open de link om je adres te bevestigen; daarna kun je inloggen.",
        "If this address can be used, an e-mail with a confirmation link is on its way. Open "
        "the link to confirm your address; then you can log in.",
    ),
    "login.title": ("Inloggen", "Log in"),
    "login.button": ("Inloggen", "Log in"),
    "login.forgot": ("Wachtwoord vergeten?", "Forgot your password?"),
    "login.no_account": ("Nog geen account? Meld je aan.", "No account yet? Sign up."),
    "logout.done": ("Je bent uitgelogd.", "You are logged out."),
    "password.changed": (
        "Je wachtwoord is gewijzigd en je bent overal uitgelogd. Log in met je nieuwe wachtwoord.",
        "Your password is changed and you are logged out everywhere. Log in with the new one.",
    ),
    "password.title": ("Wachtwoord wijzigen", "Change password"),
    "password.after": (
        "Daarna ben je overal uitgelogd, ook hier; je logt in met het nieuwe wachtwoord.",
        "You are then logged out everywhere, here too; log in with the new password.",
    ),
    "password.button": ("Wachtwoord wijzigen", "Change password"),
    "field.current_password": ("Huidig wachtwoord", "Current password"),
    "field.new_password": ("Nieuw wachtwoord", "New password"),
    "login.needed": ("Log in om deze pagina te zien.", "Log in to see this page."),
    "session.expired": (
        "Je sessie is verlopen. Log opnieuw in.",
        "Your session has ended. Please log in again.",
    ),
    # the receiving prompt
    "prompt.title": ("Ook e-facturen ontvangen?", "Receive e-invoices too?"),
    "prompt.intro": (
        "Je kunt met je organisaties niet alleen e-facturen versturen, maar ook ontvangen. "
        "Ontvangen kost geld en staat daarom uit. Kies per organisatie; je kunt het later "
        "altijd wijzigen bij de gegevens van de organisatie.",
        "Your organisations can receive e-invoices as well as send them. Receiving costs "
        "money, so it is off. Choose per organisation; you can change it later in the "
        "organisation's details.",
    ),
    "prompt.receive": ("{name} ontvangt e-facturen", "{name} receives e-invoices"),
    "prompt.not_active": (
        "{name}: eerst activeren, dan kan ontvangen aan.",
        "{name}: activate it first, then it can receive.",
    ),
    "prompt.ask_admin": (
        "{name} ontvangt nog geen e-facturen. Een beheerder van de organisatie kan dat aanzetten; "
        "vraag het hem of haar.",
        "{name} does not receive e-invoices yet. An admin of the organisation can switch it on; "
        "ask one of them.",
    ),
    "prompt.dont_ask": ("Niet meer vragen", "Don't ask again"),
    "prompt.button": ("Doorgaan", "Continue"),
    # home
    "home.title": ("Overzicht", "Overview"),
    "home.welcome": ("Welkom, {name}.", "Welcome, {name}."),
    "home.no_organisations": (
        "Je hebt nog geen organisaties. Voeg er een toe om e-facturen te versturen.",
        "You have no organisations yet. Add one to send e-invoices.",
    ),
    "home.invoices": ("Facturen", "Invoices"),
    # personal data
    "account.title": ("Mijn gegevens", "My details"),
    "field.phone": ("Telefoonnummer", "Phone number"),
    "field.phone.hint": (
        "Bijvoorbeeld 06 12345678; laat leeg om te verwijderen.",
        "For example 06 12345678; leave empty to remove it.",
    ),
    "account.saved": ("Je gegevens zijn opgeslagen.", "Your details are saved."),
    "photo.title": ("Profielfoto", "Profile photo"),
    "photo.none": ("Je hebt nog geen foto.", "You have no photo yet."),
    "photo.alt": ("Je profielfoto", "Your profile photo"),
    "photo.preview_alt": ("Voorbeeld van de gekozen foto", "Preview of the chosen photo"),
    "field.photo": ("Kies een foto", "Choose a photo"),
    "photo.hint": (
        "JPEG, PNG of WebP, hoogstens 5 MB. We bewaren hem zonder locatie- of cameragegevens.",
        "JPEG, PNG or WebP, at most 5 MB. We keep it without location or camera data.",
    ),
    "photo.button": ("Foto uploaden", "Upload photo"),
    "photo.saved": ("Je foto is opgeslagen.", "Your photo is saved."),
    "photo.missing": ("Kies eerst een foto.", "Choose a photo first."),
    # e-mail preferences
    "email.title": ("Welke e-mails wil je?", "Which e-mails do you want?"),
    "email.intro": (
        "Beveiligingsmails (bevestiging, wachtwoord herstellen, uitnodigingen, ingetrokken "
        "toegang) sturen we altijd.",
        "Security mails (confirmation, password reset, invitations, removed access) are always "
        "sent.",
    ),
    "email.invoice_received": ("Er is een factuur ontvangen", "An invoice was received"),
    "email.invoice_sent": ("Een factuur is verstuurd", "An invoice was sent"),
    "email.invoice_delivery_failed": (
        "Een factuur kon niet worden afgeleverd",
        "An invoice could not be delivered",
    ),
    "email.organisation_activated": ("Een organisatie is geactiveerd", "An organisation is active"),
    "email.receiving_changed": (
        "Ontvangen is aan- of uitgezet",
        "Receiving was switched on or off",
    ),
    "email.product_news": ("Nieuws over het product", "News about the product"),
    "email.saved": ("Je e-mailvoorkeuren zijn opgeslagen.", "Your e-mail choices are saved."),
    # organisations
    "orgs.title": ("Organisaties", "Organisations"),
    "orgs.none": ("Nog geen organisaties.", "No organisations yet."),
    "orgs.search.title": ("Zoeken in het KvK-register", "Search the KvK register"),
    "orgs.search.q": ("Naam", "Name"),
    "orgs.search.kvk_number": ("KvK-nummer", "KvK number"),
    "orgs.search.place": ("Plaats", "Place"),
    "orgs.search.button": ("Zoeken", "Search"),
    "orgs.search.nothing": ("Niets gevonden.", "Nothing found."),
    "orgs.search.add": ("Toevoegen", "Add"),
    "orgs.search.same_number": (
        "Zelfde KvK-nummer als hierboven: je voegt het nummer één keer toe.",
        "Same KvK number as above: you add the number once.",
    ),
    "orgs.search.empty": (
        "Vul een naam, een KvK-nummer of een plaats in om te zoeken.",
        "Fill in a name, a KvK number or a place to search.",
    ),
    "orgs.search.results": ("Gevonden in het register", "Found in the register"),
    "orgs.hand.title": ("Met de hand toevoegen", "Add by hand"),
    "orgs.hand.intro": (
        "Een organisatie die met de hand is toegevoegd kan niet worden geactiveerd; gebruik "
        "het KvK-register voor een organisatie die moet versturen.",
        "An organisation added by hand cannot be activated; use the KvK register for one "
        "that is to send.",
    ),
    "orgs.hand.button": ("Organisatie toevoegen", "Add organisation"),
    "orgs.added": ("De organisatie is toegevoegd.", "The organisation is added."),
    "field.name": ("Naam", "Name"),
    "field.street": ("Straat", "Street"),
    "field.house_number": ("Huisnummer", "House number"),
    "field.postal_code": ("Postcode", "Postal code"),
    "field.city": ("Plaats", "City"),
    "field.country": ("Land (2 letters)", "Country (2 letters)"),
    "field.vat_id": ("Btw-id", "VAT id"),
    "field.kvk_number": ("KvK-nummer", "KvK number"),
    "field.oin": ("OIN", "OIN"),
    "field.body": ("Bestand", "File"),
    "field.scheme": ("Soort", "Kind"),
    "field.value": ("Waarde", "Value"),
    "status.added": ("toegevoegd", "added"),
    "status.activation_pending": ("activering aangevraagd", "activation requested"),
    "status.active": ("actief", "active"),
    "org.status": ("Status", "Status"),
    "org.source": ("Bron", "Source"),
    "org.source.kvk": ("KvK-register", "KvK register"),
    "org.source.manual": ("met de hand", "by hand"),
    "org.address": ("Adres", "Address"),
    "org.identifiers": ("Kenmerken in het e-factuurnetwerk", "Identifiers in the network"),
    "org.identifiers.none": ("Nog geen kenmerken.", "No identifiers yet."),
    "org.identifier.add": ("Kenmerk toevoegen", "Add identifier"),
    "org.identifier.added": ("Het kenmerk is toegevoegd.", "The identifier is added."),
    "org.identifier.remove": ("Verwijderen", "Remove"),
    "org.identifier.removed": ("Het kenmerk is verwijderd.", "The identifier is removed."),
    "scheme.0106": ("0106 KvK-nummer", "0106 KvK number"),
    "scheme.9944": ("9944 btw-id", "9944 Dutch VAT id"),
    "scheme.0190": ("0190 OIN", "0190 OIN"),
    "org.activation": ("Activeren", "Activation"),
    "org.activation.intro": (
        "Een actieve organisatie mag e-facturen versturen.",
        "An active organisation may send e-invoices.",
    ),
    "org.activate": ("Activeren", "Activate"),
    "org.activated": ("De organisatie is actief.", "The organisation is active."),
    "org.activation_pending": (
        "De activering is aangevraagd; een beheerder beoordeelt haar.",
        "Activation is requested; an operator will review it.",
    ),
    "org.receiving": ("E-facturen ontvangen", "Receiving e-invoices"),
    "org.receiving.needs_activation": (
        "Ontvangen kan zodra de organisatie actief is: activeer haar eerst.",
        "Receiving can be switched on once the organisation is active: activate it first.",
    ),
    "org.receiving.on": ("Ontvangt e-facturen", "Receives e-invoices"),
    "org.receiving.off": ("Ontvangt geen e-facturen", "Does not receive e-invoices"),
    "org.receiving.switch_on": ("Ontvangen aanzetten", "Switch receiving on"),
    "org.receiving.switch_off": ("Ontvangen uitzetten", "Switch receiving off"),
    "org.receiving.now_on": (
        "Ontvangen staat aan: afzenders vinden deze organisatie nu in het netwerk.",
        "Receiving is on: senders now find this organisation in the network.",
    ),
    "org.receiving.now_off": (
        "Ontvangen staat uit: nieuwe e-facturen komen hier niet meer aan.",
        "Receiving is off: new e-invoices no longer arrive here.",
    ),
    "org.pdf": ("PDF-opties", "PDF options"),
    "org.pdf.generate": ("PDF maken", "Make a PDF"),
    "pdf.always": ("altijd", "always"),
    "pdf.if_missing": ("alleen als de factuur er geen heeft", "only if the invoice has none"),
    "pdf.never": ("nooit", "never"),
    "org.pdf.merge": (
        "PDF-bijlagen samenvoegen met de factuur-PDF",
        "Merge PDF attachments into the invoice PDF",
    ),
    "org.pdf.saved": ("De PDF-opties zijn opgeslagen.", "The PDF options are saved."),
    "org.members": ("Leden", "Members"),
    "org.members.none": (
        "Nog geen uitgenodigde leden. De beheerders van de omgeving kunnen altijd bij deze "
        "organisatie.",
        "No invited members yet. The environment's admins can always work with this organisation.",
    ),
    "org.members.remove": ("Toegang intrekken", "Remove access"),
    "org.members.remove.confirm": (
        "{name} kan dan niets meer zien of versturen voor {organisation}, en krijgt daarover "
        "een e-mail. Een nieuwe uitnodiging geeft de toegang terug.",
        "{name} can then no longer see or send anything for {organisation}, and gets an "
        "e-mail about it. A new invitation gives the access back.",
    ),
    "org.members.remove.confirm_admin": (
        "{name} beheert de hele omgeving en houdt daardoor toegang tot {organisation}; alleen "
        "het lidmaatschap vervalt.",
        "{name} administers the whole environment and so keeps access to {organisation}; only "
        "the membership ends.",
    ),
    "org.members.remove.yes": ("Ja, toegang intrekken", "Yes, remove access"),
    "org.members.removed": ("De toegang is ingetrokken.", "The access is removed."),
    "org.invite": ("Collega uitnodigen", "Invite a colleague"),
    "field.role": ("Rol", "Role"),
    "role.member": ("lid", "member"),
    "role.admin": ("beheerder", "admin"),
    "org.invite.button": ("Uitnodiging versturen", "Send invitation"),
    "org.invited": ("De uitnodiging is verstuurd.", "The invitation is sent."),
    "org.invoices": ("Facturen", "Invoices"),
    # invoices
    "inv.title": ("Facturen van {name}", "Invoices of {name}"),
    "inv.outbox": ("Verstuurd", "Outbox"),
    "inv.inbox": ("Ontvangen", "Inbox"),
    "inv.none": ("Geen facturen.", "No invoices."),
    "inv.send.title": ("Factuur versturen", "Send an invoice"),
    "inv.send.intro": (
        "Upload een UBL 2.1-factuur of creditnota (Peppol BIS Billing 3.0). We controleren haar "
        "op de officiële regels en bezorgen haar bij de ontvanger.",
        "Upload a UBL 2.1 invoice or credit note (Peppol BIS Billing 3.0). We check it against "
        "the official rules and deliver it to the recipient.",
    ),
    "field.document": ("UBL-bestand", "UBL file"),
    "inv.send.button": ("Versturen", "Send"),
    "inv.send.missing": ("Kies eerst een UBL-bestand.", "Choose a UBL file first."),
    "inv.sent": ("De factuur is aangenomen.", "The invoice is accepted."),
    "inv.failure_advice": (
        "Wat je kunt doen: controleer het ontvangers-id (de EndpointID van de klant) in de "
        "factuur. Klopt dat, vraag de ontvanger dan om e-facturen te ontvangen, of stuur de "
        "factuur op een andere manier. Een factuur die niet is afgeleverd, mag je opnieuw "
        "versturen met hetzelfde nummer.",
        "What you can do: check the recipient id (the customer's EndpointID) in the invoice. If "
        "it is right, ask the recipient to receive e-invoices, or send the invoice another way. "
        "An invoice that was not delivered may be sent again under the same number.",
    ),
    "inv.findings": ("Wat er aan de factuur moet veranderen", "What the invoice must change"),
    "inv.more_places": ("en op {count} andere plaats(en)", "and at {count} other place(s)"),
    "inv.rule": ("Regel", "Rule"),
    "inv.message": ("Melding", "Message"),
    "inv.location": ("Plaats in het document", "Where in the document"),
    "inv.number": ("Factuurnummer", "Invoice number"),
    "inv.date": ("Datum", "Date"),
    "inv.counterparty": ("Andere partij", "Other party"),
    "inv.sender": ("Afzender", "Sender"),
    "inv.recipient": ("Ontvanger", "Recipient"),
    "inv.amount": ("Bedrag", "Amount"),
    "inv.status": ("Status", "Status"),
    "inv.timeline": ("Verloop", "Timeline"),
    "inv.download_ubl": ("UBL downloaden", "Download UBL"),
    "inv.download_pdf": ("PDF downloaden", "Download PDF"),
    "inv.failure": ("Waarom niet bezorgd", "Why it was not delivered"),
    "inv.warnings": ("Waarschuwingen", "Warnings"),
    "doctype.Invoice": ("Factuur", "Invoice"),
    "doctype.CreditNote": ("Creditnota", "Credit note"),
    "istatus.accepted": ("aangenomen", "accepted"),
    "istatus.sent": ("verstuurd", "sent"),
    "istatus.delivered": ("afgeleverd", "delivered"),
    "istatus.delivery_failed": ("niet afgeleverd", "not delivered"),
    "istatus.received": ("ontvangen", "received"),
    "step.submitted": (
        "de factuur voldoet aan de officiële regels",
        "the document passed the official rules",
    ),
    "step.submitted_with_warnings": (
        "de factuur voldoet aan de officiële regels, met {count} waarschuwing(en)",
        "the document passed the official rules, with {count} warning(s)",
    ),
    "step.sent": ("verstuurd naar {to} via dit platform", "sent to {to} over this platform"),
    "step.delivered": ("afgeleverd in de inbox van {to}", "delivered to the inbox of {to}"),
    "step.sent_network": (
        "via het Peppol-netwerk verstuurd naar {to}",
        "sent to {to} over the Peppol network",
    ),
    "step.received": ("ontvangen van {sender} ({pid})", "received from {sender} ({pid})"),
    "event.InvoiceSubmitted": ("Aangenomen", "Accepted"),
    "event.InvoiceRejected": ("Afgewezen", "Rejected"),
    "event.InvoiceSent": ("Verstuurd", "Sent"),
    "event.InvoiceDelivered": ("Afgeleverd", "Delivered"),
    "event.InvoiceDeliveryFailed": ("Niet afgeleverd", "Not delivered"),
    "event.InvoiceReceived": ("Ontvangen", "Received"),
    # errors
    "error.title": ("Dat lukte niet", "That did not work"),
    "error.fields": ("Controleer deze velden:", "Please check these fields:"),
    "error.details": ("Details", "Details"),
    "error.csrf": (
        "Het formulier is verlopen of kwam niet van deze site. Laad de pagina opnieuw en "
        "probeer het nog eens.",
        "The form has expired or did not come from this site. Reload the page and try again.",
    ),
    "error.not_found": ("Deze pagina bestaat niet.", "This page does not exist."),
    "back": ("Terug", "Back"),
}


def say(language: str, key: str, **values: str) -> str:
    """The text for `key` in `language`, with `{name}`-style values filled in."""
    dutch, english = WORDS.get(key, (key, key))
    text = english if language == "en" else dutch
    return text.format(**values) if values else text
