"""The account's consent settings, kept in `accounts.settings` beside its other settings.

`optout_scope`: "account" (a STOP stops everything the account sends; the default) or
"sender" (it stops only the number it was sent to). `campaign_check`: a message for a
campaign goes only to that campaign's active subscribers (sendsms' "Enforce Campaign
Check"). Both are read from the authenticated principal on the accept path, at no cost.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select, update

from smscast.accounts.models import Account
from smscast.db import Database
from smscast.errors import NotFound

__all__ = ["Policy", "Scope", "policy_of", "read_policy", "update_policy"]

Scope = Literal["account", "sender"]


@dataclass(frozen=True, slots=True)
class Policy:
    optout_scope: Scope = "account"
    campaign_check: bool = False


def policy_of(settings: dict[str, Any]) -> Policy:
    scope = settings.get("optout_scope")
    return Policy(
        optout_scope="sender" if scope == "sender" else "account",
        campaign_check=settings.get("campaign_check") is True,
    )


async def read_policy(db: Database, account_id: uuid.UUID) -> Policy:
    async with db.begin() as conn:
        settings = (
            await conn.execute(select(Account.settings).where(Account.id == account_id))
        ).scalar_one_or_none()
    if settings is None:
        raise NotFound("No such account.")
    return policy_of(settings)


async def update_policy(
    db: Database,
    account_id: uuid.UUID,
    *,
    optout_scope: Scope | None = None,
    campaign_check: bool | None = None,
) -> Policy:
    """Change the given settings only; the account's other settings are left as they are."""
    changes: dict[str, Any] = {}
    if optout_scope is not None:
        changes["optout_scope"] = optout_scope
    if campaign_check is not None:
        changes["campaign_check"] = campaign_check
    async with db.begin() as conn:
        query = select(Account.settings).where(Account.id == account_id)
        if db.is_postgres:
            query = query.with_for_update()  # read-modify-write of one JSON document
        settings = (await conn.execute(query)).scalar_one_or_none()
        if settings is None:
            raise NotFound("No such account.")
        merged = {**settings, **changes}
        if changes:
            await conn.execute(
                update(Account).where(Account.id == account_id).values(settings=merged)
            )
    return policy_of(merged)
