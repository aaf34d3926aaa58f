"""The opt-out check of batches: one function, to be wired to the opt-out table.

Opt-outs are another issue's. Until it lands, nobody is opted out; when it does, this is the
only function to change (batches call it once per part, with up to ~25,000 numbers).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from smscast.db import Database

__all__ = ["opted_out_numbers"]


async def opted_out_numbers(
    db: Database, account_id: uuid.UUID, brand_id: uuid.UUID | None, numbers: Sequence[str]
) -> set[str]:
    """Which of `numbers` (E.164) opted out of the account, or of the brand when the brand's
    opt-out scope is "brand". Batches skip them (and count them)."""
    return set()
