"""Where the messages of a batch or a campaign are now: counts by outcome, segments, cost.

Counted from the messages table on read (one GROUP BY over the batch or campaign index):
the dispatch worker needs to know nothing about batches. A million-message batch costs a few
hundred milliseconds per read; the dashboard should poll, not hammer.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from smscast.messages.models import MESSAGES

__all__ = ["BUCKETS", "clicked", "message_counts", "zero_counts"]

M = MESSAGES

# Message statuses, bucketed as a batch shows them. "held" is a paused batch's message.
BUCKETS: dict[str, str] = {
    "accepted": "queued",
    "queued": "queued",
    "scheduled": "queued",
    "held": "queued",
    "sending": "queued",
    "sent": "sending",  # out, waiting for its receipt; counted in "sent" below
    "delivered": "delivered",
    "undelivered": "failed",
    "failed": "failed",
    "rejected": "failed",
    "expired": "expired",
    "canceled": "canceled",
}


def zero_counts() -> dict[str, Any]:
    return {
        "queued": 0,
        "sent": 0,
        "delivered": 0,
        "failed": 0,
        "expired": 0,
        "canceled": 0,
        "clicked": 0,
        "messages": 0,
        "cost": None,
    }


async def message_counts(conn: AsyncConnection, where: ColumnElement[bool]) -> dict[str, Any]:
    """Counts of the messages `where` selects. `sent` counts every message that went out
    (whatever its receipt said since); `cost` is what those cost."""
    rows = (
        await conn.execute(
            select(
                M.c.status,
                func.count(),
                func.count(M.c.sent_at),
                func.sum(case((M.c.sent_at.is_not(None), M.c.cost))),
            )
            .where(where)
            .group_by(M.c.status)
        )
    ).all()
    out = zero_counts()
    cost: Decimal | None = None
    for status, count, sent, spent in rows:
        bucket = BUCKETS.get(status, "queued")
        if bucket in out:
            out[bucket] += count
        out["messages"] += count
        out["sent"] += sent
        if spent is not None:
            cost = (cost or Decimal(0)) + Decimal(spent)
    out["cost"] = None if cost is None else str(cost)
    out["clicked"] = await clicked(conn, where)
    return out


async def clicked(conn: AsyncConnection, where: ColumnElement[bool]) -> int:
    """Messages with at least one human click on a short link (0 while links are absent)."""
    try:
        from smscast.links.models import CLICKS
    except ImportError:  # links land in their own issue
        return 0
    query = (
        select(func.count(func.distinct(CLICKS.c.message_id)))
        .select_from(CLICKS.join(M, M.c.id == CLICKS.c.message_id))
        .where(where, CLICKS.c.human.is_(True))
    )
    return int(await conn.scalar(query) or 0)
