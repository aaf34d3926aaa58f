"""Campaign subscriptions: the numbers a campaign may text when its check is on.

The rows live in `campaign_subscriptions` of smscast.campaigns (a row is an active
subscription; unsubscribing deletes it). The check applies when the account's
`campaign_check` is on (sendsms' "Enforce Campaign Check") or the campaign itself says
`subscription_required`.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from smscast.campaigns.models import CAMPAIGNS
from smscast.campaigns.models import SUBSCRIPTIONS as SUBS
from smscast.db import Database, utcnow
from smscast.errors import InvalidRequest, NotFound
from smscast.optouts.service import dialect_insert

__all__ = ["SubscriptionService", "refused_by_campaigns"]

_CHUNK = 500


async def refused_by_campaigns(
    conn: AsyncConnection,
    account_id: uuid.UUID,
    pairs: Sequence[tuple[uuid.UUID, str]],
    *,
    account_check: bool,
) -> list[bool]:
    """For each (campaign, number): True when the campaign's check applies and the number is
    not subscribed. Two queries for up to 1,000 messages."""
    if not pairs:
        return []
    campaign_ids = {c for c, _ in pairs}
    if account_check:
        required = campaign_ids  # another account's or an unknown campaign has no subscribers
    else:
        required = set(
            (
                await conn.execute(
                    select(CAMPAIGNS.c.id).where(
                        CAMPAIGNS.c.account_id == account_id,
                        CAMPAIGNS.c.id.in_(campaign_ids),
                        CAMPAIGNS.c.subscription_required.is_(True),
                    )
                )
            ).scalars()
        )
    if not required:
        return [False] * len(pairs)
    found = (
        await conn.execute(
            select(SUBS.c.campaign_id, SUBS.c.number)
            .join(CAMPAIGNS, CAMPAIGNS.c.id == SUBS.c.campaign_id)
            .where(
                CAMPAIGNS.c.account_id == account_id,
                SUBS.c.campaign_id.in_(required),
                SUBS.c.number.in_({n for c, n in pairs if c in required}),
            )
        )
    ).all()
    active = {(r.campaign_id, r.number) for r in found}
    return [c in required and (c, n) not in active for c, n in pairs]


def subscription_out(row: Any) -> dict[str, Any]:
    return {"campaign_id": row.campaign_id, "number": row.number, "subscribed_at": row.created_at}


class SubscriptionService:
    def __init__(self, db: Database):
        self.db = db

    async def _own(
        self, conn: AsyncConnection, account_id: uuid.UUID, campaign_id: uuid.UUID
    ) -> None:
        found = (
            await conn.execute(
                select(CAMPAIGNS.c.id).where(
                    CAMPAIGNS.c.id == campaign_id, CAMPAIGNS.c.account_id == account_id
                )
            )
        ).first()
        if found is None:
            raise NotFound("No such campaign.")

    async def subscribe(
        self, account_id: uuid.UUID, campaign_id: uuid.UUID, numbers: Sequence[str]
    ) -> int:
        """Subscribe numbers; return how many were not subscribed before."""
        unique = list(dict.fromkeys(numbers))
        if not unique:
            raise InvalidRequest("Give at least one number.", code="no-numbers")
        now = utcnow()
        added = 0
        async with self.db.begin() as conn:
            await self._own(conn, account_id, campaign_id)
            for start in range(0, len(unique), _CHUNK):
                rows = [
                    {"campaign_id": campaign_id, "number": n, "created_at": now}
                    for n in unique[start : start + _CHUNK]
                ]
                stmt = (
                    dialect_insert(conn)(SUBS)
                    .values(rows)
                    .on_conflict_do_nothing(index_elements=["campaign_id", "number"])
                    .returning(SUBS.c.number)
                )
                added += len((await conn.execute(stmt)).all())
        return added

    async def unsubscribe(
        self, account_id: uuid.UUID, campaign_id: uuid.UUID, numbers: Sequence[str]
    ) -> int:
        """Unsubscribe numbers; return how many were subscribed."""
        unique = list(dict.fromkeys(numbers))
        removed = 0
        async with self.db.begin() as conn:
            await self._own(conn, account_id, campaign_id)
            for start in range(0, len(unique), _CHUNK):
                result = await conn.execute(
                    delete(SUBS)
                    .where(
                        SUBS.c.campaign_id == campaign_id,
                        SUBS.c.number.in_(unique[start : start + _CHUNK]),
                    )
                    .returning(SUBS.c.number)
                )
                removed += len(result.all())
        return removed

    async def list(
        self,
        account_id: uuid.UUID,
        campaign_id: uuid.UUID,
        *,
        cursor: str | None,
        limit: int,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A campaign's subscribers by number; `cursor` is the previous page's `next_cursor`."""
        conds = [SUBS.c.campaign_id == campaign_id]
        if cursor:
            conds.append(SUBS.c.number > _decode(cursor))
        async with self.db.begin() as conn:
            await self._own(conn, account_id, campaign_id)
            rows = (
                await conn.execute(
                    select(SUBS).where(and_(*conds)).order_by(SUBS.c.number).limit(limit + 1)
                )
            ).all()
        next_cursor = _encode(rows[limit - 1].number) if len(rows) > limit else None
        return [subscription_out(r) for r in rows[:limit]], next_cursor


def _encode(number: str) -> str:
    return base64.urlsafe_b64encode(number.encode()).decode().rstrip("=")


def _decode(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, binascii.Error):
        raise InvalidRequest("The cursor is not valid.", code="invalid-cursor") from None
