"""What the native API accepts for senders and prices."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

__all__ = ["SENDER_STATUSES", "PriceIn", "SenderIn", "SenderPatch"]

SENDER_STATUSES = ("pending", "approved", "rejected", "suspended")
Status = Literal["pending", "approved", "rejected", "suspended"]


def _aware(value: datetime | None, name: str) -> None:
    if value is not None and value.tzinfo is None:
        raise ValueError(f"{name} needs a zone (an offset or Z)")


class _Validity(BaseModel):
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    @model_validator(mode="after")
    def _window(self) -> _Validity:
        _aware(self.valid_from, "valid_from")
        _aware(self.valid_until, "valid_until")
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            raise ValueError("valid_until must be after valid_from")
        return self


class SenderIn(_Validity):
    model_config = ConfigDict(extra="forbid")

    address: str = Field(min_length=1, max_length=20, examples=["+14155550100", "ACME"])
    brand_id: uuid.UUID | None = None
    status: Status = "approved"


class SenderPatch(_Validity):
    model_config = ConfigDict(extra="forbid")

    brand_id: uuid.UUID | None = None
    status: Status | None = None


class PriceIn(BaseModel):
    """The price of one segment through `connector` to `country` ("*": any)."""

    model_config = ConfigDict(extra="forbid")

    connector: Annotated[str, StringConstraints(min_length=1, max_length=64)] = "*"
    country: Annotated[str, StringConstraints(pattern=r"^([A-Z]{2}|\*)$")] = "*"
    price_per_segment: Decimal = Field(ge=0, le=1000, max_digits=12, decimal_places=6)
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] = "USD"
