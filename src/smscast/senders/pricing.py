"""What a message costs: a price per segment by connector and destination country.

Prices are per account. A message's connector is picked by the dispatch router when it is
sent, so at accept time the cost is estimated with the connector the routes would pick now
(the default one when no rule matches). Lookup order: (connector, country), (connector, *),
(*, country), (*, *); no match means no cost (NULL), not zero.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from smscast.accounts.service import Principal
from smscast.connectors.models import CONNECTORS
from smscast.db import Database, new_id, utcnow
from smscast.dispatch.routing import Route, Router
from smscast.errors import NotFound, ValidationFailed
from smscast.senders.models import PRICES
from smscast.senders.prices import ANY, PriceTable
from smscast.senders.schemas import PriceIn

__all__ = ["PriceBook", "PricingService", "price_out"]

P = PRICES


def price_out(r: Any) -> dict[str, Any]:
    return {
        "id": r["id"],
        "connector": r["connector"],
        "country": r["country"],
        "price_per_segment": str(r["price_per_segment"]),
        "currency": r["currency"],
        "updated_at": r["updated_at"],
    }


@dataclass
class PriceBook:
    """An account's prices and the routes that pick a connector, loaded once per batch."""

    account_id: uuid.UUID
    table: PriceTable
    router: Router | None  # None: no connector-specific price, the route does not matter

    @property
    def empty(self) -> bool:
        return not self.table.prices

    def per_segment(self, to: str, sender: str | None, country: str | None) -> Decimal | None:
        """The price of one segment of a message to `to` from `sender`."""
        connector = None if self.router is None else self.router.pick(self.account_id, to, sender)
        return self.table.per_segment(connector, country)

    def cost(
        self, segments: int, to: str, sender: str | None, country: str | None
    ) -> Decimal | None:
        price = self.per_segment(to, sender, country)
        return None if price is None else price * segments


class PricingService:
    def __init__(self, db: Database):
        self.db = db

    async def book(self, conn: AsyncConnection, account_id: uuid.UUID) -> PriceBook:
        rows = (await conn.execute(select(P).where(P.c.account_id == account_id))).all()
        table = PriceTable(
            {(r.connector, r.country): r.price_per_segment for r in rows},
            rows[0].currency if rows else None,
        )
        router = None
        if any(r.connector != ANY for r in rows):
            K = CONNECTORS
            routes = (
                await conn.execute(
                    select(K).where(
                        or_(K.c.account_id.is_(None), K.c.account_id == account_id),
                        K.c.disabled_at.is_(None),
                    )
                )
            ).all()
            router = Router(
                [
                    Route(r.name, r.account_id, r.rules or (), r.priority, r.is_default)
                    for r in routes
                ]
            )
        return PriceBook(account_id, table, router)

    async def list(self, principal: Principal) -> list[dict[str, Any]]:
        query = (
            select(P)
            .where(P.c.account_id == principal.account_id)
            .order_by(P.c.connector, P.c.country)
        )
        async with self.db.begin() as conn:
            return [price_out(r._mapping) for r in (await conn.execute(query)).all()]

    async def put(self, principal: Principal, data: PriceIn) -> dict[str, Any]:
        """Set the price of a (connector, country) pair, replacing any earlier one."""
        now = utcnow()
        async with self.db.begin() as conn:
            other = await conn.scalar(
                select(P.c.currency).where(
                    P.c.account_id == principal.account_id, P.c.currency != data.currency
                )
            )
            if other is not None:
                raise ValidationFailed(
                    "An account prices in one currency.",
                    [{"field": "currency", "code": "currency_mismatch", "message": other}],
                )
            await conn.execute(
                delete(P).where(
                    P.c.account_id == principal.account_id,
                    P.c.connector == data.connector,
                    P.c.country == data.country,
                )
            )
            row = {
                "id": new_id(),
                "account_id": principal.account_id,
                **data.model_dump(),
                "created_at": now,
                "updated_at": now,
            }
            await conn.execute(P.insert(), row)
        return price_out(row)

    async def delete(self, principal: Principal, price_id: uuid.UUID) -> None:
        async with self.db.begin() as conn:
            result = await conn.execute(
                delete(P).where(P.c.id == price_id, P.c.account_id == principal.account_id)
            )
            if not result.rowcount:
                raise NotFound("No such price.")
