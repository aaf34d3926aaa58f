"""What the native API accepts for webhooks."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["EndpointIn", "EndpointPatch", "ReplayIn", "RotateIn"]

MAX_OVERLAP_S = 7 * 86400


class EndpointIn(BaseModel):
    """A URL to call, and the events it hears ("*" for all)."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=2048, examples=["https://example.com/smscast"])
    events: list[str] = Field(min_length=1, max_length=20, examples=[["message.delivered"]])
    description: str = Field("", max_length=200)


class EndpointPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(None, min_length=1, max_length=2048)
    events: list[str] | None = Field(None, min_length=1, max_length=20)
    description: str | None = Field(None, max_length=200)
    enabled: bool | None = None


class RotateIn(BaseModel):
    """How long the old secret keeps signing beside the new one (default: 24 h)."""

    model_config = ConfigDict(extra="forbid")

    overlap_s: int | None = Field(None, ge=0, le=MAX_OVERLAP_S)


class ReplayIn(BaseModel):
    """Which dead deliveries to send again; none given: all of the account's."""

    model_config = ConfigDict(extra="forbid")

    endpoint_id: uuid.UUID | None = None
    ids: list[int] | None = Field(None, min_length=1, max_length=1000)
    since: datetime | None = None
