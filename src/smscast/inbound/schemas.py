"""What the native API accepts and returns for inbound messages, keywords and the carrier
endpoint."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

__all__ = [
    "CarrierMO",
    "CarrierMOOut",
    "InboundEndpointOut",
    "InboundOut",
    "InboundPage",
    "KeywordIn",
    "KeywordOut",
    "KeywordsOut",
    "NewInboundToken",
    "RepliesIn",
    "RepliesOut",
]

ActionName = Literal["stop", "start", "help"]


class CarrierMO(BaseModel):
    """One MO as a carrier posts it (JSON or form); the common field names all work."""

    model_config = ConfigDict(extra="ignore")

    source: str = Field(
        validation_alias=AliasChoices("from", "source", "msisdn"),
        min_length=1,
        max_length=32,
        description="The handset: `from`, `source` or `msisdn`.",
    )
    destination: str = Field(
        validation_alias=AliasChoices("to", "destination"),
        min_length=1,
        max_length=32,
        description="Your number, short code or sender: `to` or `destination`.",
    )
    text: str = Field(
        validation_alias=AliasChoices("text", "body", "message"),
        max_length=5000,
        description="`text`, `body` or `message`.",
    )
    id: str | None = Field(
        None,
        validation_alias=AliasChoices("id", "message_id", "messageId"),
        min_length=1,
        max_length=100,
        description="The carrier's id: a retried post with the same id is stored once.",
    )
    received_at: datetime | None = Field(
        None,
        validation_alias=AliasChoices("received_at", "timestamp"),
        description="When the carrier received it (with an offset); default: now.",
    )


class CarrierMOOut(BaseModel):
    id: uuid.UUID
    duplicate: bool
    action: ActionName | None


class InboundOut(BaseModel):
    id: uuid.UUID
    sender: str = Field(serialization_alias="from")
    to: str
    body: str
    connector: str
    keyword: str | None
    action: ActionName | None
    reply_id: uuid.UUID | None
    carrier_ref: str | None
    received_at: datetime
    created_at: datetime


class InboundPage(BaseModel):
    data: list[InboundOut]
    next_cursor: str | None


class KeywordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    keyword: str = Field(min_length=1, max_length=64, examples=["ARRET"])
    action: ActionName
    reply: str | None = Field(
        None, max_length=640, description='Its own reply; none: the action\'s; "": no reply.'
    )


class KeywordOut(BaseModel):
    keyword: str
    action: ActionName
    built_in: bool
    reply: str | None


class KeywordsOut(BaseModel):
    keywords: list[KeywordOut]
    replies: dict[str, str]


class RepliesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stop: str | None = Field(None, max_length=640)
    start: str | None = Field(None, max_length=640)
    help: str | None = Field(None, max_length=640)


class RepliesOut(BaseModel):
    stop: str
    start: str
    help: str


class InboundEndpointOut(BaseModel):
    enabled: bool
    created_at: datetime | None


class NewInboundToken(BaseModel):
    token: str
    url: str
