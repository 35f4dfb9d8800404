"""Which webhooks an event goes to: each organisation's webhooks, cached across events.

The consumer asks for the targets of a whole batch of events at once. The cache holds, per
organisation, each webhook's id, event types and registration time (never a secret), and is
dropped whenever the `webhook_changes` version differs from the one it was filled at: that row
is set to a random, never used version in the same transaction as every registration, by
whichever replica takes it, and read once per batch in the consumer's own transaction, so a
batch never queues from a list older than the version it saw.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from partners.tables import webhook_changes, webhooks

VERSION_ROW = "webhooks"
MAX_CACHED_ORGANISATIONS = 50_000


@dataclass(frozen=True)
class Target:
    """A webhook as the consumer sees it."""

    id: str
    events: frozenset[str]
    created_at: datetime


def bump_webhook_version(session: Session) -> None:
    """Mark that the set of webhooks changed (call in the transaction that changes it)."""
    version = str(uuid.uuid4())
    updated = session.execute(
        update(webhook_changes).where(webhook_changes.c.name == VERSION_ROW).values(version=version)
    )
    if updated.rowcount:  # type: ignore[attr-defined]
        return
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(webhook_changes)
        .values(name=VERSION_ROW, version=version)
        .on_conflict_do_update(index_elements=[webhook_changes.c.name], set_={"version": version})
    )


class WebhookTargets:
    """Organisation → its webhooks, valid for one `webhook_changes` version."""

    def __init__(self) -> None:
        self._version: str | None = None
        self._by_organisation: dict[str, tuple[Target, ...]] = {}

    def of(self, session: Session, organisations: Iterable[str]) -> dict[str, tuple[Target, ...]]:
        """The webhooks of each organisation (one version read; one query for those not cached)."""
        version = session.execute(
            select(webhook_changes.c.version).where(webhook_changes.c.name == VERSION_ROW)
        ).scalar_one_or_none()
        if version != self._version or len(self._by_organisation) > MAX_CACHED_ORGANISATIONS:
            self._by_organisation = {}
            self._version = version
        wanted = set(organisations)
        missing = [o for o in wanted if o not in self._by_organisation]
        if missing:
            found: dict[str, list[Target]] = {o: [] for o in missing}
            rows = session.execute(
                select(
                    webhooks.c.id,
                    webhooks.c.organisation_id,
                    webhooks.c.events,
                    webhooks.c.created_at,
                )
                .where(webhooks.c.organisation_id.in_(missing))
                .order_by(webhooks.c.created_at, webhooks.c.id)
            ).all()
            for row in rows:
                found[row.organisation_id].append(
                    Target(row.id, frozenset(row.events), row.created_at)
                )
            for organisation, targets in found.items():
                self._by_organisation[organisation] = tuple(targets)
        return {o: self._by_organisation[o] for o in wanted}
