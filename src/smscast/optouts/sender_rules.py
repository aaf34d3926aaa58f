"""Which sender may send to which recipient: approval, its validity window, and alphanumeric
masks only where the destination's country allows them.

Approval is enforced for an account that manages its senders (has any in smscast.senders):
then every sender it uses must be one of them, approved, and inside its validity window
(Revicom's rule). An account with no senders registered is not checked, so the embedded
default works out of the box. The country rule applies to every account.

What a sender is and where masks go are smscast.senders' to say (`unusable_reason`,
`alphanumeric_allowed`); the rules reach them through `SenderRegistry`, a small interface,
so a test or another store can stand in.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from smscast.errors import FieldError
from smscast.numbers import sender_kind
from smscast.senders.countries import alphanumeric_allowed
from smscast.senders.models import SENDERS
from smscast.senders.service import unusable_reason

__all__ = ["SenderRecord", "SenderRegistry", "TableSenders", "sender_errors"]

MAX_MASK = 11  # GSM 03.40 TP-OA: 11 characters in the 7-bit alphabet


@dataclass(frozen=True, slots=True)
class SenderRecord:
    """One registered sender of an account, as the rules need it."""

    name: str  # as messages store it: E.164, a short code, or the mask
    unusable: str | None = None  # why it may not send now; None when it may


class SenderRegistry(Protocol):
    async def find(
        self, conn: AsyncConnection, account_id: uuid.UUID, names: Collection[str], now: datetime
    ) -> tuple[Mapping[str, SenderRecord], bool]:
        """The account's registered senders among `names` (others are absent), and whether
        the account manages its senders at all (has registered any)."""
        ...

    def allows_alphanumeric(self, country: str | None) -> bool:
        """Whether the networks of `country` (ISO code) deliver alphanumeric senders."""
        ...


class TableSenders:
    """`SenderRegistry` on smscast.senders."""

    async def find(
        self, conn: AsyncConnection, account_id: uuid.UUID, names: Collection[str], now: datetime
    ) -> tuple[Mapping[str, SenderRecord], bool]:
        s = SENDERS
        # One round trip: the senders asked for, plus any one row to tell whether there are any.
        any_one = select(s.c.id).where(s.c.account_id == account_id).limit(1).scalar_subquery()
        rows = (
            await conn.execute(
                select(s.c.address, s.c.status, s.c.valid_from, s.c.valid_until).where(
                    s.c.account_id == account_id,
                    or_(s.c.address.in_(set(names)), s.c.id == any_one),
                )
            )
        ).all()
        records = {
            r.address: SenderRecord(r.address, unusable_reason(r, now))
            for r in rows
            if r.address in names
        }
        return records, bool(rows)

    def allows_alphanumeric(self, country: str | None) -> bool:
        return alphanumeric_allowed(country)


def sender_errors(
    sender: str,
    country: str | None,
    record: SenderRecord | None,
    *,
    managed: bool,
    country_allows: bool,
) -> list[FieldError]:
    """What is wrong with sending from `sender` to a number of `country` ([] if nothing).

    `managed`: the account registers its senders, so an unregistered one is refused.
    """
    errors: list[FieldError] = []
    if record is None and managed:
        errors.append(_error("sender_not_approved", f"{sender} is not a sender of this account"))
    elif record is not None and record.unusable is not None:
        errors.append(_error("sender_not_approved", record.unusable))
    if _is_mask(sender) and (len(sender) > MAX_MASK or not country_allows):
        errors.append(
            _error(
                "sender_not_allowed_for_country",
                f"alphanumeric senders do not reach numbers of {country or 'this country'}",
            )
        )
    return errors


def _is_mask(sender: str) -> bool:
    try:
        return sender_kind(sender) == "alphanumeric"
    except ValueError:
        return any(c.isalpha() for c in sender)


def _error(code: str, message: str) -> FieldError:
    return {"field": "from", "code": code, "message": message}
