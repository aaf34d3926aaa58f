"""The opt-out check of batches, on the opt-out table (smscast.optouts).

Batches call it once per part, with up to ~25,000 numbers: one set-based query each. The
worker re-checks at claim time too, so a number that opts out after scheduling is canceled.
Brand scope is not supported by the opt-out store yet (account and sender scopes are): a
brand's batch is checked against the whole account, which never sends to an opted-out number.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import literal, select

from smscast.db import Database
from smscast.optouts.models import OPTOUTS
from smscast.optouts.service import opted_out

__all__ = ["any_opted_out", "opted_out_numbers"]


async def any_opted_out(db: Database, account_id: uuid.UUID) -> bool:
    """Whether anyone opted out of the account: if not, a batch run skips the per-part check
    (the dispatch worker checks again at claim time, so a later opt-out is still honoured)."""
    async with db.begin() as conn:
        found = await conn.scalar(
            select(literal(1))
            .where(OPTOUTS.c.account_id == account_id, OPTOUTS.c.active.is_(True))
            .limit(1)
        )
    return found is not None


async def opted_out_numbers(
    db: Database, account_id: uuid.UUID, brand_id: uuid.UUID | None, numbers: Sequence[str]
) -> set[str]:
    """Which of `numbers` (E.164) opted out of the account. Batches skip them (and count them)."""
    if not numbers:
        return set()
    async with db.begin() as conn:
        return await opted_out(conn, account_id, numbers)
