"""What the native API accepts and returns for brands."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

__all__ = ["BrandIn", "BrandPatch", "Name"]

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Scope = Literal["account", "brand"]


class BrandIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    help_text: str = Field("", max_length=1000)
    optout_scope: Scope = "account"


class BrandPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    help_text: str | None = Field(None, max_length=1000)
    optout_scope: Scope | None = None
