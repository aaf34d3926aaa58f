"""Accepting messages: validate, normalise, encode, store; and reading them back."""

from __future__ import annotations

import base64
import binascii
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import and_, select

from smscast.accounts.service import Principal
from smscast.db import Database, new_id
from smscast.encoding import analyze, smart_encode
from smscast.errors import FieldError, InvalidRequest, NotFound, ValidationFailed
from smscast.links.shortener import Shortener
from smscast.messages.models import EVENTS, MESSAGES
from smscast.messages.schemas import MessageIn
from smscast.messages.timing import NoSendWindow, Timing, plan
from smscast.messages.writer import GroupWriter, WriteSet
from smscast.numbers import InvalidNumber, normalise, region_of, sender_kind
from smscast.scheduling import Window

__all__ = [
    "ListFilters",
    "MessageService",
    "accepted_event",
    "message_row",
    "pydantic_errors",
    "to_out",
]

_item_adapter = TypeAdapter(MessageIn)
_Results = list[dict[str, Any]]  # prepare_bulk's results (the class has a `list` method)
_table = MESSAGES
_events = EVENTS


def pydantic_errors(exc: ValidationError, prefix: str = "") -> list[FieldError]:
    """Pydantic's errors as our field errors: dotted field path, stable code, message."""
    out = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = ".".join(str(p) for p in err["loc"])
        out.append({"field": prefix + loc, "code": err["type"], "message": err["msg"]})
    return out


@dataclass(frozen=True, slots=True)
class ListFilters:
    status: list[str] | None = None
    campaign_id: uuid.UUID | None = None
    batch_id: uuid.UUID | None = None
    to: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None


class MessageService:
    def __init__(self, db: Database, writer: GroupWriter, shortener: Shortener | None = None):
        self.db = db
        self.writer = writer
        self.shortener = shortener
        self._books: dict[uuid.UUID, tuple[float, Any]] = {}  # account -> (until, PriceBook)

    def prepare(self, principal: Principal, item: MessageIn, now: datetime) -> WriteSet:
        """Build the rows of one accepted message, or raise ValidationFailed."""
        errors: list[FieldError] = []
        to = sender = None
        try:
            to = normalise(item.to, principal.default_region)
        except InvalidNumber as exc:
            errors.append({"field": "to", "code": "invalid_number", "message": str(exc)})
        if item.sender is not None:
            sender = _sender(item.sender, principal.default_region, errors)
        else:
            sender = principal.settings.get("default_sender")
        if errors:
            raise ValidationFailed("The message is not valid.", errors)
        assert to is not None
        mid = new_id()
        body, links = item.body, []
        if item.shorten_links:  # before analyze(): segments count the short URLs, not the links
            if self.shortener is None:
                raise InvalidRequest("Link shortening is not configured.", code="no-shortener")
            short = self.shortener.shorten(
                body, account_id=principal.account_id, message_id=mid, now=now
            )
            body, links = short.body, short.links
        smart = item.smart_encoding
        if smart is None:
            smart = bool(principal.settings.get("smart_encoding", False))
        if smart:
            body = smart_encode(body)
        info = analyze(body)
        traffic = item.traffic or ("marketing" if item.campaign_id else "transactional")
        try:
            timing = plan(principal.settings, to, traffic, now, _window_of(item))
        except NoSendWindow as exc:
            raise ValidationFailed(
                "The message can never be sent.",
                [{"field": "send_at", "code": "no_send_window", "message": exc.reason}],
            ) from None
        # Every row has every column (cost too, NULL until `complete` prices it): the group
        # writer COPYs many requests' rows with the columns of the first.
        row = message_row(
            mid=mid,
            account_id=principal.account_id,
            to=to,
            sender=sender,
            body=body,
            encoding=info.encoding,
            segments=info.segments,
            traffic=traffic,
            timing=timing,
            now=now,
            campaign_id=item.campaign_id,
            tags=item.tags,
            metadata=item.metadata,
            callback_url=item.callback_url,
        )
        event = accepted_event(mid, timing, now)
        return WriteSet(messages=[row], events=[event], links=links)

    def parse_item(self, raw: Any, index: int | None = None) -> MessageIn:
        try:
            return _item_adapter.validate_python(raw)
        except ValidationError as exc:
            raise ValidationFailed("The message is not valid.", pydantic_errors(exc)) from None

    def prepare_bulk(
        self, principal: Principal, items: list[Any], now: datetime
    ) -> tuple[WriteSet, list[dict[str, Any]]]:
        """Validate each item on its own; results in request order, one write set for all."""
        ws = WriteSet()
        results: list[dict[str, Any]] = []
        for index, raw in enumerate(items):
            try:
                one = self.prepare(principal, self.parse_item(raw), now)
            except ValidationFailed as exc:
                results.append({"index": index, "status": "rejected", "errors": exc.errors})
                continue
            ws.messages.extend(one.messages)
            ws.events.extend(one.events)
            ws.links.extend(one.links)
            results.append({"index": index, "status": "accepted", "message": one.messages[0]})
        return ws, results

    async def get(self, principal: Principal, message_id: uuid.UUID) -> dict[str, Any]:
        async with self.db.begin() as conn:
            row = (
                await conn.execute(
                    select(_table).where(
                        _table.c.id == message_id, _table.c.account_id == principal.account_id
                    )
                )
            ).first()
            if row is None:
                raise NotFound("No such message.")
            events = (
                await conn.execute(
                    select(_events).where(_events.c.message_id == message_id).order_by(_events.c.id)
                )
            ).all()
        out = to_out(row._mapping)
        out["events"] = [
            {
                "at": e.at,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "reason": e.reason,
            }
            for e in events
        ]
        return out

    async def list(
        self, principal: Principal, filters: ListFilters, *, cursor: str | None, limit: int
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Newest first; `cursor` is the opaque `next_cursor` of the previous page."""
        conds = [_table.c.account_id == principal.account_id]
        if cursor:
            conds.append(_table.c.id < decode_cursor(cursor))
        if filters.status:
            conds.append(_table.c.status.in_(filters.status))
        if filters.campaign_id:
            conds.append(_table.c.campaign_id == filters.campaign_id)
        if filters.batch_id:
            conds.append(_table.c.batch_id == filters.batch_id)
        if filters.to:
            conds.append(_table.c.to == filters.to)
        if filters.created_after:
            conds.append(_table.c.created_at >= filters.created_after)
        if filters.created_before:
            conds.append(_table.c.created_at < filters.created_before)
        query = select(_table).where(and_(*conds)).order_by(_table.c.id.desc()).limit(limit + 1)
        async with self.db.begin() as conn:
            rows = (await conn.execute(query)).all()
        items = [to_out(r._mapping) for r in rows[:limit]]
        next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
        return items, next_cursor

    async def complete(
        self, principal: Principal, ws: WriteSet, results: _Results | None = None
    ) -> None:
        """What `prepare` cannot know without the database (issue 5): a `campaign_id` must be
        one of the account's campaigns (else a 422 field error; in a bulk request, that item
        is rejected), and each message is priced (`cost`) when the account has prices."""
        from smscast.campaigns.models import CAMPAIGNS  # campaigns import this module

        wanted = {m["campaign_id"] for m in ws.messages if m["campaign_id"] is not None}
        async with self.db.begin() as conn:
            known: set[uuid.UUID] = set()
            if wanted:
                known = set(
                    (
                        await conn.execute(
                            select(CAMPAIGNS.c.id).where(
                                CAMPAIGNS.c.account_id == principal.account_id,
                                CAMPAIGNS.c.id.in_(wanted),
                            )
                        )
                    ).scalars()
                )
            book = await self._price_book(conn, principal.account_id)
        if wanted - known:
            _drop_unknown_campaigns(ws, results, wanted - known)
        if book is not None:
            for m in ws.messages:
                m["cost"] = book.cost(m["segments"], m["to"], m["sender"], region_of(m["to"]))

    async def _price_book(self, conn: Any, account_id: uuid.UUID) -> Any:
        """The account's prices, cached for a few seconds: prices change rarely, messages
        are accepted thousands of times a second. None when it has none."""
        from smscast.senders.pricing import PricingService

        cached = self._books.get(account_id)
        now = time.monotonic()
        if cached is None or cached[0] < now:
            book = await PricingService(self.db).book(conn, account_id)
            cached = self._books[account_id] = (now + _PRICE_CACHE_S, None if book.empty else book)
        return cached[1]


_PRICE_CACHE_S = 5.0
UNKNOWN_CAMPAIGN: FieldError = {
    "field": "campaign_id",
    "code": "unknown_campaign",
    "message": "no such campaign in this account",
}


def _drop_unknown_campaigns(
    ws: WriteSet, results: _Results | None, unknown: set[uuid.UUID]
) -> None:
    if results is None:
        raise ValidationFailed("The message is not valid.", [dict(UNKNOWN_CAMPAIGN)])
    dropped = {m["id"] for m in ws.messages if m["campaign_id"] in unknown}
    for r in results:
        message = r.get("message")
        if message is not None and message["id"] in dropped:
            r.pop("message")
            r["status"] = "rejected"
            r["errors"] = [dict(UNKNOWN_CAMPAIGN)]
    ws.messages[:] = [m for m in ws.messages if m["id"] not in dropped]
    ws.events[:] = [e for e in ws.events if e["message_id"] not in dropped]
    ws.links[:] = [k for k in ws.links if k.get("message_id") not in dropped]


def _window_of(item: MessageIn) -> Window | None:
    if item.send_at is None and item.expires_at is None and item.ttl is None:
        return None
    return Window(
        not_before=item.send_at,
        not_after=item.expires_at,
        ttl=timedelta(seconds=item.ttl) if item.ttl else None,
    )


def _sender(raw: str, region: str, errors: list[FieldError]) -> str | None:
    try:
        kind = sender_kind(raw)
    except ValueError:
        try:
            return normalise(raw, region)
        except InvalidNumber:
            errors.append(
                {
                    "field": "from",
                    "code": "invalid_sender",
                    "message": "not a phone number, a short code or an alphanumeric sender "
                    "of at most 11 characters",
                }
            )
            return None
    if kind == "e164":
        try:
            return normalise(raw, region)
        except InvalidNumber:
            errors.append({"field": "from", "code": "invalid_sender", "message": "not valid"})
            return None
    return raw


def to_out(m: Any) -> dict[str, Any]:
    """A message row as the API shows it."""
    return {
        "id": m["id"],
        "status": m["status"],
        "to": m["to"],
        "from": m["sender"],
        "body": m["body"],
        "encoding": m["encoding"],
        "segments": m["segments"],
        "traffic": m["traffic"],
        "campaign_id": m["campaign_id"],
        "batch_id": m["batch_id"],
        "tags": m["tags"] or [],
        "metadata": m["metadata"] or {},
        "callback_url": m["callback_url"],
        "error": {"code": m["error_code"], "reason": m["error_reason"]}
        if m["error_code"]
        else None,
        "due_at": m["due_at"],
        "expires_at": m["expires_at"],
        "created_at": m["created_at"],
        "updated_at": m["updated_at"],
        "sent_at": m["sent_at"],
        "done_at": m["done_at"],
        "cost": None if m.get("cost") is None else str(m["cost"]),
    }


def encode_cursor(message_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(message_id.bytes).decode().rstrip("=")


def decode_cursor(cursor: str) -> uuid.UUID:
    try:
        return uuid.UUID(bytes=base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        raise InvalidRequest("The cursor is not valid.", code="invalid-cursor") from None


# -- rows of accepted messages, shared by prepare() and batches (issue 5) -----------------


def message_row(
    *,
    mid: uuid.UUID,
    account_id: uuid.UUID,
    to: str,
    sender: str | None,
    body: str,
    encoding: str,
    segments: int,
    traffic: str,
    timing: Timing,
    now: datetime,
    campaign_id: uuid.UUID | None = None,
    batch_id: uuid.UUID | None = None,
    tags: list[str] | None = None,
    metadata: dict[str, Any] | None = None,
    callback_url: str | None = None,
    cost: Decimal | None = None,
) -> dict[str, Any]:
    """The messages row of one accepted message: the one place its columns are listed."""
    return {
        "id": mid,
        "account_id": account_id,
        "to": to,
        "sender": sender,
        "body": body,
        "encoding": encoding,
        "segments": segments,
        "status": timing.status,
        "traffic": traffic,
        "campaign_id": campaign_id,
        "batch_id": batch_id,
        "tags": tags or [],
        "metadata": metadata or {},
        "callback_url": callback_url,
        "error_code": None,
        "error_reason": None,
        "connector": None,
        "attempts": 0,
        "window": timing.window,
        "cost": cost,
        "due_at": timing.due_at,
        "expires_at": timing.expires_at,
        "lease_owner": None,
        "lease_until": None,
        "created_at": now,
        "updated_at": now,
        "sent_at": None,
        "done_at": None,
    }


def accepted_event(mid: uuid.UUID, timing: Timing, now: datetime) -> dict[str, Any]:
    """The first event of an accepted message: accepted -> queued or scheduled."""
    return {
        "message_id": mid,
        "at": now,
        "from_status": "accepted",
        "to_status": timing.status,
        "reason": timing.reason if timing.status == "scheduled" else "accepted",
        "data": None,
    }
