"""A database that is not there is an outage the caller may retry (503), not a bug (500)."""

from __future__ import annotations

import psycopg
import sqlalchemy.exc
from eventsourcing.persistence import OperationalError as StoreOperationalError
from servicekit.database import store_unreachable
from servicekit.rpc import STORE_UNREACHABLE


def test_a_refused_database_connection_is_an_outage() -> None:
    driver = psycopg.OperationalError("connection refused")
    wrapped = sqlalchemy.exc.OperationalError("SELECT 1", {}, driver)
    assert store_unreachable(wrapped)
    try:
        try:
            raise wrapped
        except sqlalchemy.exc.OperationalError as error:
            raise StoreOperationalError(str(error)) from error
    except StoreOperationalError as from_the_store:
        assert store_unreachable(from_the_store)


def test_a_bug_is_not_an_outage() -> None:
    try:
        try:
            raise KeyError("user")
        except KeyError as error:
            raise ValueError("could not build the reply") from error
    except ValueError as bug:
        assert not store_unreachable(bug)


def test_the_outage_reply_says_503_and_when_to_retry() -> None:
    assert STORE_UNREACHABLE.status == 503
    assert STORE_UNREACHABLE.retry_after_seconds == 5
    assert STORE_UNREACHABLE.type == "urn:problem:service-unavailable"


def test_a_connection_the_server_ended_is_an_outage() -> None:
    # psycopg names it by SQLSTATE (57P01); its base class says what it is.
    ended = psycopg.errors.AdminShutdown("terminating connection due to administrator command")
    assert store_unreachable(ended)
    lost = sqlalchemy.exc.DBAPIError("COMMIT", {}, ended, connection_invalidated=True)
    assert store_unreachable(lost)
