"""Reading message state straight from the database."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from smscast.messages.models import EVENTS, MESSAGES
from smscast.services import Services


async def statuses(services: Services) -> Counter[str]:
    async with services.db.begin() as conn:
        rows = (
            await conn.execute(select(MESSAGES.c.status, func.count()).group_by(MESSAGES.c.status))
        ).all()
    return Counter({r[0]: r[1] for r in rows})


async def all_final(services: Services, total: int) -> bool:
    s = await statuses(services)
    return (
        sum(s[k] for k in ("delivered", "undelivered", "failed", "expired", "rejected", "canceled"))
        == total
    )


async def timeline(services: Services, message_id) -> list[tuple[str | None, str]]:
    async with services.db.begin() as conn:
        rows = (
            await conn.execute(
                select(EVENTS.c.from_status, EVENTS.c.to_status)
                .where(EVENTS.c.message_id == message_id)
                .order_by(EVENTS.c.id)
            )
        ).all()
    return [(r[0], r[1]) for r in rows]


async def select_one(services: Services, *cols):
    async with services.db.begin() as conn:
        return (await conn.execute(select(*cols))).first()
