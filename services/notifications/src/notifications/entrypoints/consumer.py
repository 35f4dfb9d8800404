"""One durable consumer for every event notifications acts on, in stream order.

One consumer rather than one per context, so events from different contexts are applied in the
order the stream holds them: a preference changed before an invoice arrived applies to that
invoice's mail. Our own events are left out (filter subjects), except product news, which is
decided per user like any other event. Of invoicing's events only those a mail or the read
model needs come here: an invoice's delivery and a refused submission mail nobody, and leaving
them out spares a transaction and a delivery per invoice.
"""

from __future__ import annotations

CONSUMER = "notifications"
SUBJECTS = [
    "events.identity.>",
    "events.organisation.>",
    "events.invoicing.InvoiceSubmitted",
    "events.invoicing.InvoiceSent",
    "events.invoicing.InvoiceDeliveryFailed",
    "events.invoicing.InvoiceReceived",
    "events.notifications.ProductNewsAnnounced",
]
