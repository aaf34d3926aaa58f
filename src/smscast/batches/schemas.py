"""What the native API accepts for batches (multipart form fields or JSON)."""

from __future__ import annotations

import uuid
from datetime import date, time
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

__all__ = [
    "ACTIONS",
    "MANUAL_MAX_CHARS",
    "OPERATION_TYPES",
    "Action",
    "BatchFields",
    "OperationType",
]

OPERATION_TYPES = ("CSV_FILE", "MESSAGE_TEMPLATE", "MANUAL_MESSAGE_INPUT")
ACTIONS = ("VALIDATE", "SCHEDULE")
MANUAL_MAX_CHARS = 160  # RocketCOMS: "message ... max length: 160"
OperationType = Literal["CSV_FILE", "MESSAGE_TEMPLATE", "MANUAL_MESSAGE_INPUT"]
Action = Literal["VALIDATE", "SCHEDULE"]


def _ids(value: object) -> object:
    """List ids as a JSON list, a repeated form field or one comma-separated string."""
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list):
        return [
            p.strip()
            for v in value
            for p in (v.split(",") if isinstance(v, str) else [v])
            if not isinstance(p, str) or p.strip()
        ]
    return value


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


def _time(value: object) -> object:
    # "02:00" and "02:00:00" both; a form sends strings.
    if isinstance(value, str) and len(value) == 5:
        return value + ":00"
    return value


def _blank_none(value: object) -> object:
    return None if value == "" else value


class BatchFields(BaseModel):
    """Every field of a batch; on update, only those given change."""

    model_config = ConfigDict(extra="forbid")

    campaign_id: uuid.UUID | None = None
    operation_type: Annotated[OperationType | None, BeforeValidator(_upper)] = None
    action: Annotated[Action | None, BeforeValidator(_upper)] = None
    external_id: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=2000)
    message: Annotated[str | None, BeforeValidator(_blank_none)] = Field(None, max_length=1600)
    template_id: Annotated[uuid.UUID | None, BeforeValidator(_blank_none)] = None
    list_ids: Annotated[list[uuid.UUID] | None, BeforeValidator(_ids)] = Field(None, max_length=50)
    sender_id: Annotated[uuid.UUID | None, BeforeValidator(_blank_none)] = None
    sender_contacts: bool | None = None
    shortlink: bool | None = None
    start_date: Annotated[date | None, BeforeValidator(_blank_none)] = None
    end_date: Annotated[date | None, BeforeValidator(_blank_none)] = None
    start_time: Annotated[time | None, BeforeValidator(_blank_none), BeforeValidator(_time)] = None
    end_time: Annotated[time | None, BeforeValidator(_blank_none), BeforeValidator(_time)] = None
