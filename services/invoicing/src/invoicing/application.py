"""Invoicing's event-sourced application: where invoices are stored."""

from __future__ import annotations

from datetime import date

from eventsourcing.persistence import JSONTranscoder, Transcoding
from servicekit.eventstore import MeteredApplication


class DateAsIso(Transcoding):
    """Issue dates in events, as ISO 8601 text."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        """2026-11-13."""
        return obj.isoformat()

    def decode(self, data: str) -> date:
        """Back to a date."""
        return date.fromisoformat(data)


class InvoicingApplication(MeteredApplication):
    """The invoicing event store; the use cases in `invoicing.usecases` drive it."""

    name = "invoicing"

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        """The standard transcodings, and dates."""
        super().register_transcodings(transcoder)
        transcoder.register(DateAsIso())
