"""Who sends an authenticated command: the gateway vouches for it after checking the token."""

from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.vocabulary import EnvironmentRole


class Caller(BaseModel):
    """The user behind an authenticated request, as their verified access token names them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    user_id: UUID = Field(description="The user the access token was issued to (`sub`).")
    environment_id: UUID = Field(description="The environment (tenant) they act in (`env`).")
    session_id: UUID = Field(description="The session the token belongs to (`sid`).")
    role: EnvironmentRole = Field(description="Their role in the environment (`role`).")


__all__ = ["Caller"]
