"""What the native API accepts and returns for opt-outs, consent settings and subscriptions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ChangeOut",
    "ChangeResult",
    "ConsentSettingsIn",
    "ConsentSettingsOut",
    "HistoryPage",
    "ImportOut",
    "NumberStatusOut",
    "OptOutIn",
    "OptOutOut",
    "OptOutPage",
    "RowError",
    "SubscriptionOut",
    "SubscriptionPage",
    "SubscriptionsChanged",
    "SubscriptionsIn",
]


class OptOutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: str = Field(min_length=1, max_length=32, examples=["+14155550100"])
    sender: str | None = Field(
        None, min_length=1, max_length=20, description="Only from this sender; none: from all."
    )
    detail: str = Field("", max_length=500, description="Why, for the history.")


class OptOutOut(BaseModel):
    number: str
    sender: str | None
    opted_out: bool
    source: str
    detail: str
    created_at: datetime
    changed_at: datetime = Field(description="When it last opted out (or back in).")


class OptOutPage(BaseModel):
    data: list[OptOutOut]
    next_cursor: str | None


class ChangeResult(BaseModel):
    number: str
    sender: str | None
    opted_out: bool
    changed: bool


class ChangeOut(BaseModel):
    id: int
    number: str
    sender: str | None
    action: Literal["opt_out", "opt_in"]
    source: Literal["keyword", "api", "import", "cli"]
    detail: str
    inbound_id: uuid.UUID | None
    at: datetime


class HistoryPage(BaseModel):
    data: list[ChangeOut]
    next_cursor: str | None


class NumberStatusOut(BaseModel):
    number: str
    opted_out: bool
    scopes: list[OptOutOut]
    history: list[ChangeOut]


class RowError(BaseModel):
    field: str
    code: str
    message: str
    row: int


class ImportOut(BaseModel):
    rows: int
    opted_out: int
    unchanged: int
    rejected: int
    errors: list[RowError] = Field(description="The first 100 rows refused.")


class ConsentSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    optout_scope: Literal["account", "sender"] | None = Field(
        None, description="What a STOP stops: everything the account sends, or one sender."
    )
    campaign_check: bool | None = Field(
        None, description="Campaign messages go only to the campaign's subscribers."
    )


class ConsentSettingsOut(BaseModel):
    optout_scope: Literal["account", "sender"]
    campaign_check: bool


class SubscriptionsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    campaign_id: uuid.UUID
    numbers: list[str] = Field(min_length=1, max_length=1000)


class SubscriptionsChanged(BaseModel):
    campaign_id: uuid.UUID
    changed: int


class SubscriptionOut(BaseModel):
    campaign_id: uuid.UUID
    number: str
    subscribed_at: datetime


class SubscriptionPage(BaseModel):
    data: list[SubscriptionOut]
    next_cursor: str | None
