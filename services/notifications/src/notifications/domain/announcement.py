"""Product news an operator announced: mailed once to every user who opted in."""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import event
from servicekit.domain import CorrelatedAggregate


class ProductNews(CorrelatedAggregate):
    """One announcement, in Dutch and English."""

    @event("Announced")
    def __init__(
        self,
        title_nl: str,
        title_en: str,
        body_nl: str,
        body_en: str,
        link: str | None,
        announced_by: str,
        announced_at: datetime,
    ) -> None:
        self.title_nl = title_nl
        self.title_en = title_en
        self.announced_at = announced_at
