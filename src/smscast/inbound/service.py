"""Receiving MO messages: store them for their account, act on keywords, reply, announce.

Everything one MO causes happens in one transaction: the stored message, the opt-out or
opt-in with its history row, the auto-reply (built by `MessageService.prepare` like any
accepted message, and written with the same write sets), and the `message.received` event in
the webhook outbox. An MO is never half-handled.

Auto-replies are transactional traffic, so quiet hours do not hold them, and they go from
the number the MO was sent to. STOP and START are confirmed only when they change something,
so two auto-responders cannot keep texting each other; HELP is always answered, opted out or
not (the reply is let through the suppression, as the STOP confirmation is).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import and_, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from smscast.accounts.models import Account
from smscast.accounts.service import Principal
from smscast.connectors.base import Inbound
from smscast.db import Database, new_id, utcnow
from smscast.errors import FieldError, InvalidRequest, NotFound, ValidationFailed
from smscast.inbound.config import InboundConfig
from smscast.inbound.keywords import Action, match
from smscast.inbound.models import INBOUND
from smscast.inbound.ownership import account_for_mo
from smscast.lib.jsonx import jsonable
from smscast.messages.schemas import MessageIn
from smscast.messages.service import MessageService, decode_cursor, encode_cursor
from smscast.messages.writer import write_sets
from smscast.optouts.addresses import InvalidNumber, handset, normalise_sender, our_address
from smscast.optouts.models import EVERY_SENDER
from smscast.optouts.policy import policy_of
from smscast.optouts.service import Entry, exempt, opt_in, opt_out
from smscast.webhooks.outbox import enqueue

__all__ = ["MO", "InboundFilters", "InboundService", "Received"]

log = logging.getLogger(__name__)

HTTP_CONNECTOR = "http"


@dataclass(frozen=True, slots=True)
class MO:
    """One inbound message, from SMPP or from a carrier's HTTP post."""

    source: str
    destination: str
    body: str
    received_at: datetime
    connector: str
    account_id: uuid.UUID | None = None  # known for HTTP posts; SMPP ones are looked up
    carrier_ref: str | None = None  # the carrier's id, to store a retried post once
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_connector(cls, connector: str, inbound: Inbound) -> MO:
        return cls(
            inbound.source,
            inbound.destination,
            inbound.body,
            inbound.received_at,
            connector,
            extra=dict(inbound.extra),
        )


@dataclass(frozen=True, slots=True)
class Received:
    id: uuid.UUID
    account_id: uuid.UUID | None
    action: Action | None = None
    keyword: str | None = None
    reply_id: uuid.UUID | None = None
    changed: bool = False  # an opt-out or opt-in took effect
    duplicate: bool = False  # a carrier's retry of a message already stored


@dataclass(frozen=True, slots=True)
class InboundFilters:
    source: str | None = None
    destination: str | None = None
    action: str | None = None
    received_after: datetime | None = None
    received_before: datetime | None = None


@dataclass(frozen=True, slots=True)
class _Account:
    id: uuid.UUID
    region: str
    settings: dict[str, Any]


class InboundService:
    def __init__(self, db: Database, messages: MessageService):
        self.db = db
        self.messages = messages
        self.config = InboundConfig(db)

    async def receive(self, mo: MO) -> Received:
        """Store and act on one MO; a carrier's retry (same `carrier_ref`) is stored once."""
        try:
            return await self._receive(mo)
        except IntegrityError:
            if mo.carrier_ref is None or mo.account_id is None:
                raise
            async with self.db.begin() as conn:  # the same post, committed by another request
                dup = await _by_ref(conn, mo.account_id, mo.carrier_ref)
            if dup is None:
                raise
            return dup

    async def _receive(self, mo: MO) -> Received:
        now = utcnow()
        async with self.db.begin() as conn:
            account = await _account(conn, mo)
            if account is not None and mo.carrier_ref is not None:
                dup = await _by_ref(conn, account.id, mo.carrier_ref)
                if dup is not None:
                    return dup
            region = account.region if account else "US"
            source, destination = handset(mo.source, region), our_address(mo.destination, region)
            if mo.account_id is not None:
                _check_posted(source, destination, region)
            if account is None:
                found = await account_for_mo(conn, destination, source)
                account = await _load_account(conn, found) if found else None
            result = Received(new_id(), account.id if account else None)
            if account is not None:
                result = await self._act(conn, account, result, mo, source, destination, now)
            row = {
                "id": result.id,
                "account_id": result.account_id,
                "connector": mo.connector,
                "source": source[:32],
                "destination": destination[:32],
                "body": mo.body,
                "keyword": result.keyword,
                "action": result.action,
                "reply_id": result.reply_id,
                "carrier_ref": mo.carrier_ref,
                "extra": mo.extra,
                "received_at": mo.received_at,
                "created_at": now,
            }
            await conn.execute(insert(INBOUND).values(row))
            if account is not None:
                await announce(conn, account.id, inbound_out(row))
        if account is None:
            log.warning("MO to %s owned by no account; stored as %s", destination, result.id)
        return result

    async def _act(
        self,
        conn: AsyncConnection,
        account: _Account,
        result: Received,
        mo: MO,
        source: str,
        destination: str,
        now: datetime,
    ) -> Received:
        """Apply the keyword the MO is (if it is one) and send its reply."""
        keywords = await self.config.load(conn, account.id)
        found = match(mo.body, keywords.custom)
        if found is None:
            return result
        word, action = found
        by_sender = policy_of(account.settings).optout_scope == "sender"
        scope = destination if by_sender else EVERY_SENDER
        changed: list[dict[str, Any]] = []
        if action == "stop":
            changed = await opt_out(
                conn,
                account.id,
                [Entry(source, scope, word)],
                source="keyword",
                now=now,
                inbound_id=result.id,
            )
        elif action == "start":
            changed = await opt_in(
                conn,
                account.id,
                source,
                sender=scope,
                source="keyword",
                detail=word,
                now=now,
                inbound_id=result.id,
            )
        reply_id = None
        text = keywords.reply(word, action)
        if text and (action == "help" or changed):
            reply_id = await self._reply(conn, account, result.id, source, destination, text, now)
            if reply_id is not None:
                await exempt(conn, account.id, source, destination, reply_id, now)
        return Received(result.id, account.id, action, word, reply_id, changed=bool(changed))

    async def _reply(
        self,
        conn: AsyncConnection,
        account: _Account,
        inbound_id: uuid.UUID,
        to: str,
        sender: str,
        text: str,
        now: datetime,
    ) -> uuid.UUID | None:
        """Queue the auto-reply as an ordinary accepted message; None if it cannot be sent."""
        principal = Principal(account.id, account.id, account.region, account.settings)
        try:
            item = MessageIn(
                to=to,
                body=text,
                sender=sender,
                traffic="transactional",
                tags=["auto_reply"],
                metadata={"inbound_id": str(inbound_id)},
            )
            ws = self.messages.prepare(principal, item, now)
        except (ValidationError, InvalidRequest) as exc:
            log.warning("no auto-reply to %s from %s: %s", to, sender, exc)
            return None
        await write_sets(conn, [ws])
        reply_id: uuid.UUID = ws.messages[0]["id"]
        return reply_id

    async def get(self, account_id: uuid.UUID, inbound_id: uuid.UUID) -> dict[str, Any]:
        async with self.db.begin() as conn:
            row = (
                await conn.execute(
                    select(INBOUND).where(
                        INBOUND.c.id == inbound_id, INBOUND.c.account_id == account_id
                    )
                )
            ).first()
        if row is None:
            raise NotFound("No such inbound message.")
        return inbound_out(row._mapping)

    async def list(
        self,
        account_id: uuid.UUID,
        filters: InboundFilters,
        *,
        cursor: str | None,
        limit: int,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Inbound messages, newest first."""
        t = INBOUND
        conds = [t.c.account_id == account_id]
        if cursor:
            conds.append(t.c.id < decode_cursor(cursor))
        if filters.source:
            conds.append(t.c.source == filters.source)
        if filters.destination:
            conds.append(t.c.destination == filters.destination)
        if filters.action:
            conds.append(t.c.action == filters.action)
        if filters.received_after:
            conds.append(t.c.received_at >= filters.received_after)
        if filters.received_before:
            conds.append(t.c.received_at < filters.received_before)
        query = select(t).where(and_(*conds)).order_by(t.c.id.desc()).limit(limit + 1)
        async with self.db.begin() as conn:
            rows = (await conn.execute(query)).all()
        next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
        return [inbound_out(r._mapping) for r in rows[:limit]], next_cursor


async def announce(conn: AsyncConnection, account_id: uuid.UUID, payload: dict[str, Any]) -> None:
    """The `message.received` event, written to the webhook outbox in the MO's transaction."""
    await enqueue(conn, account_id=account_id, type="message.received", payload=jsonable(payload))


def inbound_out(r: Any) -> dict[str, Any]:
    return {
        "id": r["id"],
        "from": r["source"],
        "to": r["destination"],
        "body": r["body"],
        "connector": r["connector"],
        "keyword": r["keyword"],
        "action": r["action"],
        "reply_id": r["reply_id"],
        "carrier_ref": r["carrier_ref"],
        "received_at": r["received_at"],
        "created_at": r["created_at"],
    }


def _check_posted(source: str, destination: str, region: str) -> None:
    """A posted MO must name a handset and one of our addresses: the reply goes between
    them, and an opt-out is keyed by them."""
    errors: list[FieldError] = []
    if not source.startswith("+"):
        errors.append({"field": "from", "code": "invalid_number", "message": "not a number"})
    try:
        normalise_sender(destination, region)
    except InvalidNumber:
        errors.append({"field": "to", "code": "invalid_sender", "message": "not an address"})
    if errors:
        raise ValidationFailed("The MO is not valid.", errors)


async def _account(conn: AsyncConnection, mo: MO) -> _Account | None:
    return await _load_account(conn, mo.account_id) if mo.account_id else None


async def _load_account(conn: AsyncConnection, account_id: uuid.UUID) -> _Account | None:
    row = (
        await conn.execute(
            select(Account.id, Account.default_region, Account.settings).where(
                Account.id == account_id
            )
        )
    ).first()
    return _Account(row.id, row.default_region, row.settings or {}) if row else None


async def _by_ref(conn: AsyncConnection, account_id: uuid.UUID, ref: str) -> Received | None:
    row = (
        await conn.execute(
            select(INBOUND.c.id, INBOUND.c.action, INBOUND.c.keyword, INBOUND.c.reply_id).where(
                INBOUND.c.account_id == account_id, INBOUND.c.carrier_ref == ref
            )
        )
    ).first()
    if row is None:
        return None
    return Received(row.id, account_id, row.action, row.keyword, row.reply_id, duplicate=True)
