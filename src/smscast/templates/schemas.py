"""What the native API accepts for templates."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from smscast.contacts.schemas import AttributeKey
from smscast.messages.schemas import MAX_BODY_CHARS

__all__ = ["PreviewIn", "TemplateIn", "TemplatePatch"]

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    body: str = Field(min_length=1, max_length=MAX_BODY_CHARS)
    attributes: list[AttributeKey] = Field(default_factory=list, max_length=50)


class TemplatePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    body: str | None = Field(None, min_length=1, max_length=MAX_BODY_CHARS)
    attributes: list[AttributeKey] | None = Field(None, max_length=50)


class PreviewIn(BaseModel):
    """Render for a contact (by id or number) and/or explicit attribute values."""

    model_config = ConfigDict(extra="forbid")

    contact_id: uuid.UUID | None = None
    number: str | None = Field(None, min_length=1, max_length=32)
    attributes: dict[AttributeKey, str | int | float | bool | None] = Field(
        default_factory=dict, max_length=50
    )

    def values(self) -> dict[str, Any]:
        return dict(self.attributes)
