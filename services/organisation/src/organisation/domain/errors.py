"""What the organisation domain refuses, by kind (the entrypoints turn each into a problem)."""


class OrganisationError(Exception):
    """A refusal with a sentence for the person who asked."""


class NotFound(OrganisationError):
    """No such organisation in the caller's environment (404, another tenant's included)."""


class NotAllowed(OrganisationError):
    """The caller may not do this (403)."""


class Conflict(OrganisationError):
    """The organisation's state does not allow it (409)."""
