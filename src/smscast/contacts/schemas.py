"""What the native API accepts for contacts, lists and members."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

__all__ = [
    "ATTRIBUTE_KEY",
    "MAX_BULK",
    "AttributeKey",
    "ContactIn",
    "ContactPatch",
    "ListIn",
    "ListPatch",
    "Members",
]

MAX_BULK = 1000
ATTRIBUTE_KEY = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"
AttributeKey = Annotated[str, StringConstraints(pattern=ATTRIBUTE_KEY)]
AttributeValue = str | int | float | bool | None
Number = Annotated[str, StringConstraints(min_length=1, max_length=32)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def _short_values(v: dict[str, Any] | None) -> dict[str, Any] | None:
    for key, value in (v or {}).items():
        if isinstance(value, str) and len(value) > 500:
            raise ValueError(f"attribute {key!r} is longer than 500 characters")
    return v


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: Number
    attributes: dict[AttributeKey, AttributeValue] = Field(default_factory=dict, max_length=50)
    time_zone: str | None = Field(None, max_length=64, examples=["America/New_York"])
    list_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)

    _values = field_validator("attributes")(_short_values)


class ContactPatch(BaseModel):
    """Only the fields given change; `attributes` replaces the whole set."""

    model_config = ConfigDict(extra="forbid")

    attributes: dict[AttributeKey, AttributeValue] | None = Field(None, max_length=50)
    time_zone: str | None = Field(None, max_length=64)

    _values = field_validator("attributes")(_short_values)


class ListIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    description: str = Field("", max_length=1000)


class ListPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    description: str | None = Field(None, max_length=1000)


class Members(BaseModel):
    """Contacts to add or remove, by id or by number (a new number becomes a contact)."""

    model_config = ConfigDict(extra="forbid")

    contact_ids: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_BULK)
    numbers: list[Number] = Field(default_factory=list, max_length=MAX_BULK)
