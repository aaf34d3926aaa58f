"""Brands: create, read, list, update, delete."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from smscast.accounts.service import Principal
from smscast.brands.models import Brand
from smscast.brands.schemas import BrandIn, BrandPatch
from smscast.db import Database, utcnow
from smscast.errors import Conflict, NotFound

__all__ = ["BrandService", "brand_out"]


def brand_out(b: Brand) -> dict[str, Any]:
    return {
        "id": b.id,
        "name": b.name,
        "help_text": b.help_text,
        "optout_scope": b.optout_scope,
        "created_at": b.created_at,
        "updated_at": b.updated_at,
    }


class BrandService:
    def __init__(self, db: Database):
        self.db = db

    async def create(self, principal: Principal, data: BrandIn) -> dict[str, Any]:
        brand = Brand(account_id=principal.account_id, **data.model_dump())
        async with self.db.session() as s:
            s.add(brand)
            await _commit(s, data.name)
        return brand_out(brand)

    async def get(self, principal: Principal, brand_id: uuid.UUID) -> dict[str, Any]:
        async with self.db.session() as s:
            return brand_out(await owned(s, principal, brand_id))

    async def list(self, principal: Principal) -> list[dict[str, Any]]:
        query = select(Brand).where(Brand.account_id == principal.account_id).order_by(Brand.name)
        async with self.db.session() as s:
            return [brand_out(b) for b in (await s.scalars(query)).all()]

    async def update(
        self, principal: Principal, brand_id: uuid.UUID, data: BrandPatch
    ) -> dict[str, Any]:
        async with self.db.session() as s:
            brand = await owned(s, principal, brand_id)
            for key, value in data.model_dump(exclude_unset=True, exclude_none=True).items():
                setattr(brand, key, value)
            brand.updated_at = utcnow()
            await _commit(s, brand.name)
            return brand_out(brand)

    async def delete(self, principal: Principal, brand_id: uuid.UUID) -> None:
        from smscast.campaigns.models import Campaign
        from smscast.senders.models import Sender

        async with self.db.session() as s:
            brand = await owned(s, principal, brand_id)
            used = await s.scalar(
                select(
                    exists().where(Campaign.brand_id == brand_id)
                    | exists().where(Sender.brand_id == brand_id)
                )
            )
            if used:
                raise Conflict("The brand still has campaigns or senders.", code="brand-in-use")
            await s.delete(brand)
            await s.commit()


async def owned(s: Any, principal: Principal, brand_id: uuid.UUID) -> Brand:
    """The account's brand, or NotFound (another account's is not found either)."""
    brand = await s.get(Brand, brand_id)
    if brand is None or brand.account_id != principal.account_id:
        raise NotFound("No such brand.")
    return brand


async def _commit(s: Any, name: str) -> None:
    try:
        await s.commit()
    except IntegrityError:
        await s.rollback()
        raise Conflict(f"A brand named {name!r} already exists.", code="duplicate-name") from None
