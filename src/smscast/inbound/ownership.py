"""Which account an MO from SMPP belongs to (an HTTP inbound post names its account).

A carrier bind is shared by every account on it, so the account is found from the number the
MO was sent to. THE ONE PLACE TO CHANGE when sender ownership becomes the rule: today an
address registered by exactly one account (smscast.senders) belongs to it; otherwise the MO
goes to the account that last texted this handset from that address.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from smscast.messages.models import MESSAGES
from smscast.senders.models import SENDERS

__all__ = ["account_for_mo"]


async def account_for_mo(conn: AsyncConnection, destination: str, source: str) -> uuid.UUID | None:
    """The account that owns `destination` (for an MO from `source`), or None."""
    owners = (
        (
            await conn.execute(
                select(SENDERS.c.account_id).where(SENDERS.c.address == destination).limit(2)
            )
        )
        .scalars()
        .all()
    )
    if len(owners) == 1:
        return owners[0]
    # Fallback: the last conversation. The messages table has no index on (to, sender)
    # without the account; ix_messages_account_to serves this only per account.
    m = MESSAGES
    query = select(m.c.account_id).where(m.c.to == source, m.c.sender == destination)
    if owners:  # several accounts registered it: the one that last used it with this handset
        query = query.where(m.c.account_id.in_(owners))
    found = await conn.execute(query.order_by(m.c.created_at.desc()).limit(1))
    return found.scalar_one_or_none()
