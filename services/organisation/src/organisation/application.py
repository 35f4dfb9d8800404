"""The organisation service's event-sourced application: where organisations are stored."""

from __future__ import annotations

import uuid

from eventsourcing.application import AggregateNotFoundError
from servicekit.eventstore import MeteredApplication

from organisation.domain.errors import NotFound
from organisation.domain.organisation import Organisation


class OrganisationApplication(MeteredApplication):
    """The organisation event store; the use cases in `organisation.usecases` drive it."""

    name = "organisation"

    def organisation(self, organisation_id: uuid.UUID) -> Organisation:
        """The organisation as recorded now; NotFound when there is none."""
        try:
            found: Organisation = self.repository.get(organisation_id)
        except AggregateNotFoundError:
            raise NotFound(f"organisation {organisation_id} is not known") from None
        return found
