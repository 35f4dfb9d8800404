"""The organisation service's event-sourced application.

Its use cases arrive with the organisation issue; the process, its own event store, its relay and
its readiness already run, so the platform's shape is complete from the start.
"""

from __future__ import annotations

from servicekit.eventstore import MeteredApplication


class OrganisationApplication(MeteredApplication):
    """The organisation event store and repository."""

    name = "organisation"
