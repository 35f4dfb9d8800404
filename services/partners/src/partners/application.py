"""Partners' event-sourced application: webhooks and the outcomes of their deliveries."""

from __future__ import annotations

from servicekit.eventstore import MeteredApplication


class PartnersApplication(MeteredApplication):
    """The partners event store; `partners.usecases` and the dispatcher drive it."""

    name = "partners"
