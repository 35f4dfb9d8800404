"""The services' recorder (BulkInsertRecorder: Core statements built once) keeps the same log
as eventsourcing-sqlalchemy's own recorder: every
event under the notification id its save reported, in order, read back whole by the relay's
read, on SQLite and on PostgreSQL."""

from __future__ import annotations

from eventsourcing.domain import Aggregate, event
from eventsourcing_sqlalchemy.recorders import SQLAlchemyApplicationRecorder
from servicekit.eventstore import BulkInsertRecorder, MeteredApplication, store_environment


class Parcel(Aggregate):
    """Something with a few events of its own."""

    @event("Registered")
    def __init__(self, label: str) -> None:
        self.label = label
        self.stops: list[str] = []

    @event("Routed")
    def route(self, stop: str) -> None:
        self.stops.append(stop)


class Depot(MeteredApplication):
    """Saves parcels."""

    name = "depot"


def test_each_saved_event_is_read_back_under_the_notification_id_its_save_reported(
    database_url: str,
) -> None:
    depot = Depot(store_environment(database_url))
    assert isinstance(depot.recorder, BulkInsertRecorder)
    first, second = Parcel("first"), Parcel("second")
    first.route("Utrecht")
    second.route("Zwolle")
    second.route("Groningen")
    # One save of several aggregates (five events), then a save of one event.
    recordings = [*depot.save(first, second)]
    first.route("Delft")
    recordings += depot.save(first)

    reported = {
        (r.domain_event.originator_id, r.domain_event.originator_version): r.notification.id
        for r in recordings
    }
    assert len(reported) == 6 and len(set(reported.values())) == 6

    followed = depot.recorder.select_notifications(1, 100)
    assert [n.id for n in followed] == sorted(reported.values()), "the log, in id order"
    assert {(n.originator_id, n.originator_version): n.id for n in followed} == reported
    # Read as the library reads it, the log is the same, state for state.
    as_the_library_reads = SQLAlchemyApplicationRecorder.select_notifications(
        depot.recorder, 1, 100
    )
    assert followed == as_the_library_reads
    assert depot.recorder.select_notifications(followed[2].id, 2) == followed[2:4]
    assert depot.recorder.max_notification_id() == followed[-1].id

    # And the events come back as they were saved.
    again = depot.repository.get(first.id)
    assert again.stops == ["Utrecht", "Delft"] and again.label == "first"


def test_an_empty_log_has_no_newest_notification(database_url: str) -> None:
    depot = Depot(store_environment(database_url))
    assert depot.recorder.select_notifications(1, 10) == []
    assert depot.recorder.max_notification_id() is None
