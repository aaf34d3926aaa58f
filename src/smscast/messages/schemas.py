"""What the native API accepts and returns for messages."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

__all__ = [
    "BulkIn",
    "MessageIn",
    "MessageOut",
    "PreviewIn",
    "PreviewOut",
]

MAX_BODY_CHARS = 1600  # ten UCS-2 parts or more; Twilio's limit too
MAX_BULK = 1000

Tag = Annotated[str, StringConstraints(pattern=r"^\w{1,64}$")]
MetaValue = str | int | float | bool | None


class MessageIn(BaseModel):
    """One message to send."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    to: str = Field(min_length=1, max_length=32, examples=["+14155550100"])
    body: str = Field(min_length=1, max_length=MAX_BODY_CHARS)
    sender: str | None = Field(None, alias="from", min_length=1, max_length=20)
    campaign_id: uuid.UUID | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    callback_url: str | None = Field(None, max_length=2048)
    metadata: dict[Annotated[str, StringConstraints(max_length=64)], MetaValue] = Field(
        default_factory=dict, max_length=50
    )
    smart_encoding: bool | None = None
    traffic: Literal["transactional", "marketing"] | None = None
    shorten_links: bool = False  # links become tracked short URLs before segments are counted
    send_at: datetime | None = Field(None, description="Not before this instant (with offset).")
    expires_at: datetime | None = Field(None, description="Not after this instant.")
    ttl: int | None = Field(None, ge=60, le=7 * 86400, description="Seconds the message may wait.")

    @field_validator("send_at", "expires_at")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.utcoffset() is None:
            raise ValueError("give a time zone offset or Z")
        return v

    @field_validator("callback_url")
    @classmethod
    def _http_url(cls, v: str | None) -> str | None:
        if v is not None and not v.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return v

    @field_validator("metadata")
    @classmethod
    def _short_values(cls, v: dict[str, Any]) -> dict[str, Any]:
        for key, value in v.items():
            if isinstance(value, str) and len(value) > 500:
                raise ValueError(f"metadata value of {key!r} is longer than 500 characters")
        return v


class BulkIn(BaseModel):
    """1 to 1,000 messages; each item is validated on its own."""

    model_config = ConfigDict(extra="forbid")

    messages: list[Any] = Field(min_length=1, max_length=MAX_BULK)


class EventOut(BaseModel):
    at: datetime
    from_status: str | None
    to_status: str
    reason: str | None


class ErrorOut(BaseModel):
    code: str
    reason: str | None


class MessageOut(BaseModel):
    id: uuid.UUID
    status: str
    to: str
    sender: str | None = Field(serialization_alias="from")
    body: str
    encoding: str
    segments: int
    traffic: str
    campaign_id: uuid.UUID | None
    batch_id: uuid.UUID | None
    tags: list[str]
    metadata: dict[str, Any]
    callback_url: str | None
    error: ErrorOut | None
    due_at: datetime
    expires_at: datetime | None
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None
    done_at: datetime | None
    events: list[EventOut] | None = None


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=MAX_BODY_CHARS)
    smart_encoding: bool = False
    shorten_links: bool = False


class SmartPreview(BaseModel):
    body: str
    encoding: str
    segments: int
    segments_saved: int


class ShorteningPreview(BaseModel):
    """What `shorten_links` does to the body: its links, and the cost with short URLs."""

    links: list[str]  # the targets found, in order
    short_url_length: int  # each link becomes this many characters
    body: str  # XXXXXXX stands for the codes, drawn per message when it is sent
    encoding: str
    segments: int
    segments_saved: int  # negative when the short URLs are longer than the links


class PreviewOut(BaseModel):
    encoding: str
    characters: int
    units: int
    segments: int
    per_segment: int
    unicode_chars: list[str]
    smart_encoding: SmartPreview | None
    shortening: ShorteningPreview | None = None  # when the body has links
    body: str
