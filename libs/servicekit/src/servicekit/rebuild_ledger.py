"""Where each read model's rebuild stands, kept in the service's own database.

A status held in the process that runs the rebuild is invisible to its other replicas, and
requests reach whichever replica a queue group picks. So each model has one row here:

- a replica *claims* it with one conditional UPDATE, which succeeds only when no rebuild runs or
  the one that runs has let its lease run out: two replicas never rebuild one model at once;
- the holder *renews* its lease with its progress while it works (any replica reads that);
- the holder writes the outcome in the transaction that swaps the tables in (`finish` inside
  the swap), so "done" and the swapped model are committed together or not at all;
- a holder that dies stops renewing: once its lease is over the row reads as failed, and the
  next claim takes it over (and drops the copies the dead one left).

Leases are counted on the replicas' clocks (epoch seconds): keep them in step (NTP) to well
within a lease.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, Executable, Table, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from servicekit.tables import read_model_rebuilds

if TYPE_CHECKING:
    from servicekit.readmodels import RebuildStatus

RUNNING = "running"


class RebuildLedger:
    """One service's rebuild rows (`read_model_rebuilds`), for one holder (this process)."""

    def __init__(
        self, holder: str, lease_seconds: float, table: Table = read_model_rebuilds
    ) -> None:
        self.holder = holder
        self.lease_seconds = lease_seconds
        self._table = table

    def claim(self, session: Session, status: RebuildStatus, now: float) -> bool:
        """Take the model for a rebuild by this holder; False while another holder's runs."""
        self._ensure_row(session, status.model)
        t = self._table
        claimed = _rows_changed(
            session,
            update(t)
            .where(t.c.model == status.model)
            .where(or_(t.c.state != RUNNING, t.c.lease_until < now))
            .values(
                state=RUNNING,
                holder=self.holder,
                lease_until=now + self.lease_seconds,
                status=status.model_dump_json(),
            ),
        )
        return claimed == 1

    def renew(self, session: Session, status: RebuildStatus, now: float) -> bool:
        """Extend this holder's lease and record its progress; False: the lease was lost."""
        t = self._table
        renewed = _rows_changed(
            session,
            update(t)
            .where(t.c.model == status.model, t.c.holder == self.holder, t.c.state == RUNNING)
            .values(lease_until=now + self.lease_seconds, status=status.model_dump_json()),
        )
        return renewed == 1

    def finish(self, session: Session, status: RebuildStatus) -> bool:
        """Record how this holder's rebuild ended; False: another holder had taken it over."""
        t = self._table
        finished = _rows_changed(
            session,
            update(t)
            .where(t.c.model == status.model, t.c.holder == self.holder, t.c.state == RUNNING)
            .values(state=status.state, lease_until=0.0, status=status.model_dump_json()),
        )
        return finished == 1

    def read(self, session: Session, model: str, now: float) -> RebuildStatus | None:
        """The model's last rebuild as any replica sees it (None: never rebuilt).

        A running rebuild whose lease is over lost its holder (killed, or cut off from the
        database): it reads as failed, and it will not swap anything in any more (`finish`
        and the swap check the holder).
        """
        from servicekit.readmodels import RebuildStatus

        t = self._table
        row = session.execute(
            select(t.c.state, t.c.holder, t.c.lease_until, t.c.status).where(t.c.model == model)
        ).first()
        if row is None or row.status is None:
            return None
        status = RebuildStatus.model_validate_json(row.status)
        if row.state == RUNNING and row.lease_until < now:
            status.state = "failed"
            status.error = (
                f"abandoned: its replica ({row.holder}) stopped renewing its lease during "
                f"{status.phase or 'the rebuild'}; nothing was swapped in. Rebuild again."
            )
        return status

    def _ensure_row(self, session: Session, model: str) -> None:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.execute(
            insert(self._table)
            .values(model=model, state="never", holder="", lease_until=0.0, status=None)
            .on_conflict_do_nothing(index_elements=["model"])
        )


def _rows_changed(session: Session, statement: Executable) -> int:
    result = cast(CursorResult[Any], session.execute(statement))
    return result.rowcount


__all__ = ["RUNNING", "RebuildLedger"]
