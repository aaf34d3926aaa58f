"""Webhook endpoints, secrets, the delivery log, and replays: what the API and CLI call."""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from smscast.config import Settings
from smscast.db import Database, new_id, utcnow
from smscast.errors import Conflict, InvalidRequest, NotFound, ValidationFailed
from smscast.webhooks.events import normalise_events
from smscast.webhooks.models import ATTEMPTS, CALLBACK_SECRETS, DELIVERIES, ENDPOINTS
from smscast.webhooks.signing import new_secret
from smscast.webhooks.ssrf import Resolver, check_url_async
from smscast.webhooks.store import callback_secrets

__all__ = ["MAX_ENDPOINTS", "DeliveryFilters", "WebhookService"]

MAX_ENDPOINTS = 20  # per account
STATES = ("pending", "sending", "delivered", "dead")


@dataclass(frozen=True, slots=True)
class DeliveryFilters:
    state: str | None = None
    endpoint_id: uuid.UUID | None = None
    message_id: uuid.UUID | None = None
    type: str | None = None


class WebhookService:
    def __init__(self, db: Database, settings: Settings, *, resolver: Resolver | None = None):
        self.db = db
        self.settings = settings
        self.resolver = resolver  # tests stand in for DNS here

    # -- endpoints -----------------------------------------------------------------------

    async def create_endpoint(
        self, account_id: uuid.UUID, *, url: str, events: list[str], description: str = ""
    ) -> dict[str, Any]:
        """Create an endpoint; the answer holds its signing secret, shown this once."""
        await check_url_async(url, self.settings, resolver=self.resolver)
        kinds = _events(events)
        now = utcnow()
        row = {
            "id": new_id(),
            "account_id": account_id,
            "url": url.strip(),
            "description": description,
            "events": kinds,
            "secret": new_secret(),
            "previous_secret": None,
            "previous_expires_at": None,
            "disabled_at": None,
            "created_at": now,
            "updated_at": now,
        }
        e = ENDPOINTS
        async with self.db.begin() as conn:
            count = (
                await conn.execute(select(func.count()).where(e.c.account_id == account_id))
            ).scalar_one()
            if count >= MAX_ENDPOINTS:
                raise Conflict(f"An account has at most {MAX_ENDPOINTS} webhook endpoints.")
            await conn.execute(e.insert().values(row))
        return endpoint_out(row) | {"secret": row["secret"]}

    async def list_endpoints(self, account_id: uuid.UUID) -> list[dict[str, Any]]:
        e = ENDPOINTS
        async with self.db.begin() as conn:
            rows = await conn.execute(
                select(e).where(e.c.account_id == account_id).order_by(e.c.created_at, e.c.id)
            )
            return [endpoint_out(r._mapping) for r in rows]

    async def get_endpoint(self, account_id: uuid.UUID, endpoint_id: uuid.UUID) -> dict[str, Any]:
        async with self.db.begin() as conn:
            return endpoint_out(await _endpoint(conn, account_id, endpoint_id))

    async def update_endpoint(
        self,
        account_id: uuid.UUID,
        endpoint_id: uuid.UUID,
        *,
        url: str | None = None,
        events: list[str] | None = None,
        description: str | None = None,
        enabled: bool | None = None,
    ) -> dict[str, Any]:
        """Change an endpoint. Disabling it ends its pending deliveries (dead, replayable)."""
        if url is not None:
            await check_url_async(url, self.settings, resolver=self.resolver)
        changes: dict[str, Any] = {"updated_at": utcnow()}
        if url is not None:
            changes["url"] = url.strip()
        if events is not None:
            changes["events"] = _events(events)
        if description is not None:
            changes["description"] = description
        e = ENDPOINTS
        async with self.db.begin() as conn:
            row = await _endpoint(conn, account_id, endpoint_id)
            if enabled is not None and enabled == (row.disabled_at is not None):
                changes["disabled_at"] = None if enabled else changes["updated_at"]
                if not enabled:
                    await _end_pending(conn, endpoint_id, "the endpoint was disabled")
            await conn.execute(update(e).where(e.c.id == endpoint_id).values(changes))
            return endpoint_out(await _endpoint(conn, account_id, endpoint_id))

    async def delete_endpoint(self, account_id: uuid.UUID, endpoint_id: uuid.UUID) -> None:
        """Delete an endpoint; its pending deliveries end (dead), its log stays readable."""
        async with self.db.begin() as conn:
            await _endpoint(conn, account_id, endpoint_id)
            await _end_pending(conn, endpoint_id, "the endpoint was deleted")
            await conn.execute(delete(ENDPOINTS).where(ENDPOINTS.c.id == endpoint_id))

    async def rotate_endpoint_secret(
        self, account_id: uuid.UUID, endpoint_id: uuid.UUID, *, overlap_s: int | None = None
    ) -> dict[str, Any]:
        """A new secret; the old one keeps signing (a second v1=) for `overlap_s` seconds."""
        e = ENDPOINTS
        async with self.db.begin() as conn:
            row = await _endpoint(conn, account_id, endpoint_id)
            values = self._rotated(row.secret, overlap_s)
            values["updated_at"] = utcnow()
            await conn.execute(update(e).where(e.c.id == endpoint_id).values(values))
        return _secret_out(values)

    # -- per-message callbacks ------------------------------------------------------------

    async def callback_secret(self, account_id: uuid.UUID) -> dict[str, Any]:
        """The secret that signs this account's callback_url calls (made on first use)."""
        async with self.db.begin() as conn:
            row = await callback_secrets(conn, account_id, utcnow())
        return _secret_out(row._mapping)

    async def rotate_callback_secret(
        self, account_id: uuid.UUID, *, overlap_s: int | None = None
    ) -> dict[str, Any]:
        t = CALLBACK_SECRETS
        async with self.db.begin() as conn:
            row = await callback_secrets(conn, account_id, utcnow())
            values = self._rotated(row.secret, overlap_s)
            values["rotated_at"] = utcnow()
            await conn.execute(update(t).where(t.c.account_id == account_id).values(values))
        return _secret_out(values)

    def _rotated(self, current: str, overlap_s: int | None) -> dict[str, Any]:
        overlap = self.settings.webhook_secret_overlap_s if overlap_s is None else overlap_s
        if not 0 <= overlap <= 7 * 86400:
            raise ValidationFailed(
                "The overlap is not valid.",
                [{"field": "overlap_s", "code": "out_of_range", "message": "0 to 604800"}],
            )
        return {
            "secret": new_secret(),
            "previous_secret": current if overlap else None,
            "previous_expires_at": utcnow() + timedelta(seconds=overlap) if overlap else None,
        }

    # -- deliveries ----------------------------------------------------------------------

    async def list_deliveries(
        self,
        account_id: uuid.UUID,
        filters: DeliveryFilters,
        *,
        cursor: str | None = None,
        limit: int = 50,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Newest first; `cursor` is the `next_cursor` of the previous page."""
        d = DELIVERIES
        conds = [d.c.account_id == account_id]
        if cursor:
            conds.append(d.c.id < _decode(cursor))
        if filters.state:
            if filters.state not in STATES:
                raise ValidationFailed(
                    "The state is not valid.",
                    [{"field": "state", "code": "enum", "message": ", ".join(STATES)}],
                )
            conds.append(d.c.state == filters.state)
        if filters.endpoint_id:
            conds.append(d.c.endpoint_id == filters.endpoint_id)
        if filters.message_id:
            conds.append(d.c.message_id == filters.message_id)
        if filters.type:
            conds.append(d.c.type == filters.type)
        query = select(d).where(and_(*conds)).order_by(d.c.id.desc()).limit(limit + 1)
        async with self.db.begin() as conn:
            rows = (await conn.execute(query)).all()
        nxt = _encode(rows[limit - 1].id) if len(rows) > limit else None
        return [delivery_out(r._mapping) for r in rows[:limit]], nxt

    async def get_delivery(self, account_id: uuid.UUID, delivery_id: int) -> dict[str, Any]:
        """One delivery with its payload and every attempt."""
        a = ATTEMPTS
        async with self.db.begin() as conn:
            row = await _delivery(conn, account_id, delivery_id)
            attempts = await conn.execute(
                select(a).where(a.c.delivery_id == delivery_id).order_by(a.c.id)
            )
            out = delivery_out(row) | {"data": row.payload}
            out["attempt_log"] = [attempt_out(x._mapping) for x in attempts]
        return out

    async def list_attempts(
        self,
        account_id: uuid.UUID,
        endpoint_id: uuid.UUID,
        *,
        cursor: str | None = None,
        limit: int = 50,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """An endpoint's delivery log: every attempt, newest first."""
        a = ATTEMPTS
        conds = [a.c.endpoint_id == endpoint_id, a.c.account_id == account_id]
        if cursor:
            conds.append(a.c.id < _decode(cursor))
        async with self.db.begin() as conn:
            await _endpoint(conn, account_id, endpoint_id)
            rows = (
                await conn.execute(
                    select(a).where(and_(*conds)).order_by(a.c.id.desc()).limit(limit + 1)
                )
            ).all()
        nxt = _encode(rows[limit - 1].id) if len(rows) > limit else None
        return [attempt_out(r._mapping) for r in rows[:limit]], nxt

    async def replay(self, account_id: uuid.UUID, delivery_id: int) -> dict[str, Any]:
        """Send a dead (or delivered) delivery again, same event id, a fresh retry horizon."""
        d = DELIVERIES
        async with self.db.begin() as conn:
            row = await _delivery(conn, account_id, delivery_id)
            if row.state not in ("dead", "delivered"):
                raise Conflict(f"The delivery is {row.state}: only dead or delivered ones replay.")
            if row.endpoint_id is not None:
                e = ENDPOINTS
                ep = (
                    await conn.execute(select(e.c.disabled_at).where(e.c.id == row.endpoint_id))
                ).first()
                if ep is None or ep.disabled_at is not None:
                    raise Conflict("The delivery's endpoint was deleted or is disabled.")
            await conn.execute(update(d).where(d.c.id == delivery_id).values(_replayed()))
            return delivery_out(await _delivery(conn, account_id, delivery_id))

    async def replay_dead(
        self,
        account_id: uuid.UUID,
        *,
        endpoint_id: uuid.UUID | None = None,
        ids: list[int] | None = None,
        since: datetime | None = None,
    ) -> int:
        """Replay every dead delivery that matches (to an endpoint that still takes them)."""
        d, e = DELIVERIES, ENDPOINTS
        live = select(e.c.id).where(e.c.account_id == account_id, e.c.disabled_at.is_(None))
        conds = [
            d.c.account_id == account_id,
            d.c.state == "dead",
            or_(d.c.endpoint_id.is_(None), d.c.endpoint_id.in_(live)),
        ]
        if endpoint_id is not None:
            conds.append(d.c.endpoint_id == endpoint_id)
        if ids:
            conds.append(d.c.id.in_(ids))
        if since is not None:
            conds.append(d.c.occurred_at >= since)
        async with self.db.begin() as conn:
            if endpoint_id is not None:
                await _endpoint(conn, account_id, endpoint_id)
            rows = (
                await conn.execute(
                    update(d).where(and_(*conds)).values(_replayed()).returning(d.c.id)
                )
            ).all()
        return len(rows)


def _events(events: list[str]) -> list[str]:
    try:
        kinds = normalise_events(events, allow_all=True)
    except ValueError as exc:
        raise ValidationFailed(
            "The events are not valid.",
            [{"field": "events", "code": "unknown_event", "message": str(exc)}],
        ) from None
    if not kinds:
        raise ValidationFailed(
            "Subscribe to at least one event.",
            [{"field": "events", "code": "too_short", "message": "at least one event"}],
        )
    return kinds


def _replayed() -> dict[str, Any]:
    now = utcnow()
    return {
        "state": "pending",
        "next_attempt_at": now,
        "retry_since": now,
        "lease_until": None,
        "done_at": None,
    }


async def _endpoint(conn: AsyncConnection, account_id: uuid.UUID, endpoint_id: uuid.UUID) -> Any:
    e = ENDPOINTS
    row = (
        await conn.execute(select(e).where(e.c.id == endpoint_id, e.c.account_id == account_id))
    ).first()
    if row is None:
        raise NotFound("No such webhook endpoint.")
    return row


async def _delivery(conn: AsyncConnection, account_id: uuid.UUID, delivery_id: int) -> Any:
    d = DELIVERIES
    row = (
        await conn.execute(select(d).where(d.c.id == delivery_id, d.c.account_id == account_id))
    ).first()
    if row is None:
        raise NotFound("No such webhook delivery.")
    return row


async def _end_pending(conn: AsyncConnection, endpoint_id: uuid.UUID, why: str) -> None:
    d = DELIVERIES
    await conn.execute(
        update(d)
        .where(d.c.endpoint_id == endpoint_id, d.c.state == "pending")
        .values(state="dead", last_error=why, done_at=utcnow())
    )


def endpoint_out(r: Any) -> dict[str, Any]:
    r = getattr(r, "_mapping", r)  # a Row or a mapping
    return {
        "id": r["id"],
        "url": r["url"],
        "description": r["description"],
        "events": r["events"],
        "enabled": r["disabled_at"] is None,
        "previous_secret_expires_at": r["previous_expires_at"],
        "created_at": r["created_at"],
        "updated_at": r["updated_at"],
    }


def _secret_out(r: Any) -> dict[str, Any]:
    r = getattr(r, "_mapping", r)  # a Row or a mapping
    return {"secret": r["secret"], "previous_secret_expires_at": r["previous_expires_at"]}


def delivery_out(r: Any) -> dict[str, Any]:
    r = getattr(r, "_mapping", r)  # a Row or a mapping
    return {
        "id": r["id"],
        "event_id": r["event_id"],
        "type": r["type"],
        "endpoint_id": r["endpoint_id"],
        "url": r["url"],
        "message_id": r["message_id"],
        "state": r["state"],
        "attempts": r["attempts"],
        "next_attempt_at": r["next_attempt_at"] if r["state"] == "pending" else None,
        "last_status": r["last_status"],
        "last_error": r["last_error"],
        "occurred_at": r["occurred_at"],
        "created_at": r["created_at"],
        "done_at": r["done_at"],
    }


def attempt_out(r: Any) -> dict[str, Any]:
    r = getattr(r, "_mapping", r)  # a Row or a mapping
    return {
        "id": r["id"],
        "delivery_id": r["delivery_id"],
        "endpoint_id": r["endpoint_id"],
        "attempt": r["attempt"],
        "at": r["at"],
        "status_code": r["status_code"],
        "latency_ms": r["latency_ms"],
        "error": r["error"],
        "outcome": r["outcome"],
    }


def _encode(value: int) -> str:
    return base64.urlsafe_b64encode(str(value).encode()).decode().rstrip("=")


def _decode(cursor: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidRequest("The cursor is not valid.", code="invalid-cursor") from None
