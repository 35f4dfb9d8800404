"""Identity's state tables: secrets and sessions, beside the event store, never in events.

They live in the event store's database and are written in the same transaction as the events
of the same command (`SharedDatabase.transaction()`; eventsourcing-sqlalchemy joins it), so a
user and their password hash, or a reset and its token, commit together or not at all.
"""
