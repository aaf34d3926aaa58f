"""Campaigns: create, read, list, update (status through the state machine), statistics.

Subscriptions (`campaign_subscriptions`) are served by smscast.optouts."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from smscast.accounts.service import Principal
from smscast.batches.models import BATCHES
from smscast.batches.stats import message_counts
from smscast.brands.models import BRANDS
from smscast.campaigns.models import CAMPAIGNS
from smscast.campaigns.schemas import CampaignIn, CampaignPatch
from smscast.campaigns.states import check_transition
from smscast.db import Database, new_id, utcnow
from smscast.errors import Conflict, FieldError, NotFound, ValidationFailed
from smscast.messages.models import MESSAGES
from smscast.senders.models import SENDERS

__all__ = ["CampaignService", "campaign_out"]

C = CAMPAIGNS


def campaign_out(r: Any) -> dict[str, Any]:
    return {
        "id": r["id"],
        "name": r["name"],
        "reference": r["reference"],
        "description": r["description"],
        "brand_id": r["brand_id"],
        "default_sender_id": r["default_sender_id"],
        "subscription_required": r["subscription_required"],
        "traffic": r["traffic"],
        "status": r["status"],
        "created_at": r["created_at"],
        "updated_at": r["updated_at"],
    }


class CampaignService:
    def __init__(self, db: Database):
        self.db = db

    async def create(self, principal: Principal, data: CampaignIn) -> dict[str, Any]:
        now = utcnow()
        row = {
            "id": new_id(),
            "account_id": principal.account_id,
            **data.model_dump(),
            "created_at": now,
            "updated_at": now,
        }
        try:
            async with self.db.begin() as conn:
                await self._refs(conn, principal, row)
                await conn.execute(C.insert(), row)
        except IntegrityError:
            raise _duplicate() from None
        return campaign_out(row)

    async def get(self, principal: Principal, campaign_id: uuid.UUID) -> dict[str, Any]:
        """The campaign with its counters (rows of its batches, outcomes of its messages)."""
        B = BATCHES
        async with self.db.begin() as conn:
            row = await self.row(conn, principal, campaign_id)
            sums = (
                await conn.execute(
                    select(
                        func.count(),
                        *(func.coalesce(func.sum(getattr(B.c, k)), 0) for k in _ROWS),
                        func.sum(B.c.estimated_cost),
                    ).where(B.c.campaign_id == campaign_id)
                )
            ).one()
            counts: dict[str, Any] = {"batches": int(sums[0])}
            counts.update({k: int(v) for k, v in zip(_ROWS, sums[1:-1], strict=True)})
            counts["estimated_cost"] = None if sums[-1] is None else str(sums[-1])
            counts.update(await message_counts(conn, MESSAGES.c.campaign_id == campaign_id))
        return {**campaign_out(row._mapping), "counts": counts}

    async def list(
        self, principal: Principal, *, status: str | None = None
    ) -> list[dict[str, Any]]:
        query = select(C).where(C.c.account_id == principal.account_id)
        if status is not None:
            query = query.where(C.c.status == status)
        async with self.db.begin() as conn:
            rows = (await conn.execute(query.order_by(C.c.id.desc()))).all()
        return [campaign_out(r._mapping) for r in rows]

    async def update(
        self, principal: Principal, campaign_id: uuid.UUID, data: CampaignPatch
    ) -> dict[str, Any]:
        values = {k: getattr(data, k) for k in data.model_fields_set}
        for key in ("name", "status", "subscription_required", "traffic", "description"):
            if key in values and values[key] is None:
                del values[key]  # not nullable: null means "leave it"
        try:
            async with self.db.begin() as conn:
                old = await self.row(conn, principal, campaign_id, lock=True)
                if "status" in values and values["status"] != old.status:
                    check_transition(old.status, values["status"])
                await self._refs(conn, principal, values)
                values["updated_at"] = utcnow()
                await conn.execute(update(C).where(C.c.id == campaign_id).values(**values))
        except IntegrityError:
            raise _duplicate() from None
        return await self.get(principal, campaign_id)

    async def by_reference(self, principal: Principal, reference: str) -> dict[str, Any] | None:
        async with self.db.begin() as conn:
            row = (
                await conn.execute(
                    select(C).where(
                        C.c.account_id == principal.account_id, C.c.reference == reference
                    )
                )
            ).first()
        return None if row is None else campaign_out(row._mapping)

    async def row(
        self,
        conn: AsyncConnection,
        principal: Principal,
        campaign_id: uuid.UUID,
        *,
        lock: bool = False,
    ) -> Any:
        query = select(C).where(C.c.id == campaign_id, C.c.account_id == principal.account_id)
        if lock and conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = (await conn.execute(query)).first()
        if row is None:
            raise NotFound("No such campaign.")
        return row

    async def _refs(self, conn: AsyncConnection, principal: Principal, v: dict[str, Any]) -> None:
        errors: list[FieldError] = []
        for field, table, code in (
            ("brand_id", BRANDS, "unknown_brand"),
            ("default_sender_id", SENDERS, "unknown_sender"),
        ):
            ident = v.get(field)
            if ident is None:
                continue
            found = await conn.scalar(
                select(table.c.id).where(
                    table.c.id == ident, table.c.account_id == principal.account_id
                )
            )
            if found is None:
                errors.append({"field": field, "code": code, "message": str(ident)})
        if errors:
            raise ValidationFailed("The campaign is not valid.", errors)


_ROWS = ("total", "valid", "invalid", "duplicates", "opted_out", "segments")


def _duplicate() -> Conflict:
    return Conflict(
        "A campaign with this name or reference already exists.", code="duplicate-campaign"
    )
