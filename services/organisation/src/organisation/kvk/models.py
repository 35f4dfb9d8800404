"""What the platform keeps of the KvK register's answers, in its own words."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class KvkAddress(BaseModel):
    """An address as the register gives it; fields the register leaves out stay None."""

    model_config = ConfigDict(frozen=True)

    street: str | None = None
    house_number: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str = "NL"


class KvkSearchResult(BaseModel):
    """One hit of a register search: a legal entity or one of its establishments."""

    model_config = ConfigDict(frozen=True)

    kvk_number: str
    establishment_number: str | None = None
    name: str
    # KvK's own word: hoofdvestiging, nevenvestiging or rechtspersoon.
    type: str
    address: KvkAddress | None = None


class KvkProfile(BaseModel):
    """The register's base profile of one KvK number (its main establishment and owner)."""

    model_config = ConfigDict(frozen=True)

    kvk_number: str
    name: str
    establishment_number: str | None = None
    legal_form: str | None = None
    rsin: str | None = None
    address: KvkAddress | None = None
