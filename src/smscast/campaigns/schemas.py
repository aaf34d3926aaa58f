"""What the native API accepts for campaigns."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

__all__ = ["CampaignIn", "CampaignPatch"]

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# The sendsms `campaign-ref`: what clients type, so no spaces.
Reference = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,100}$")]
Traffic = Literal["marketing", "transactional"]
Status = Literal["draft", "active", "paused", "completed", "archived"]


class CampaignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    reference: Reference | None = None
    description: str = Field("", max_length=2000)
    brand_id: uuid.UUID | None = None
    default_sender_id: uuid.UUID | None = None
    subscription_required: bool = False
    traffic: Traffic = "marketing"
    status: Literal["draft", "active"] = "draft"


class CampaignPatch(BaseModel):
    """Only the fields given change; `status` moves along the campaign state machine."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    reference: Reference | None = None
    description: str | None = Field(None, max_length=2000)
    brand_id: uuid.UUID | None = None
    default_sender_id: uuid.UUID | None = None
    subscription_required: bool | None = None
    traffic: Traffic | None = None
    status: Status | None = None
