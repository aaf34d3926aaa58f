"""The outbox: webhook events written in the transaction of the change that caused them.

`enqueue_message_events` is on the dispatch hot path (status changes come in batches of about
a thousand). A batch holding no status that raises an event costs nothing. On PostgreSQL the
rest costs one SELECT that looks each message up by primary key and keeps those with a
callback_url or an account with a live endpoint: when nobody listens (the usual case) it
returns nothing and that is all, about 2 ms per thousand. Otherwise one INSERT ... SELECT
joins those events to their messages and subscribed endpoints. (One statement doing both
was 3 to 5 times dearer when nobody listens: six arrays to send and unpack, not one.)

Per-message order: a new event of a message waits for the earlier ones still pending for
the same destination (its `next_attempt_at` starts no earlier than theirs; the claim skips it
while one is undelivered), so the claim never has to wade through rows that cannot go yet.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, literal_column, or_, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from smscast.db import JSONType, new_id, utcnow
from smscast.messages.models import MESSAGES
from smscast.webhooks.events import ALL, DEFAULT_CALLBACK_EVENTS, STATUS_EVENTS
from smscast.webhooks.models import DELIVERIES, ENDPOINTS

__all__ = ["MessageEvent", "enqueue", "enqueue_message_events"]

# (message_id, to_status, at, reason, error_code)
MessageEvent = tuple[uuid.UUID, str, datetime, str | None, str | None]

# Added by migration 0003 beside the messages model: the events a callback_url asks for
# (NULL: message.delivered only).
_CALLBACK_EVENTS = literal_column("messages.callback_events", JSONType)

_PG_CANDIDATES = text(
    """
SELECT v.n FROM unnest(CAST(:ids AS uuid[])) WITH ORDINALITY AS v(id, n)
JOIN LATERAL (
    -- LIMIT 1 keeps this a lookup by primary key per event, whatever the statistics say:
    -- with stale ones the planner would hash the whole messages table instead.
    SELECT m.account_id, m.callback_url FROM messages AS m WHERE m.id = v.id LIMIT 1
) AS m ON true
WHERE m.callback_url IS NOT NULL
   OR m.account_id IN (SELECT account_id FROM webhook_endpoints WHERE disabled_at IS NULL)
"""
)

_PG_MESSAGE_EVENTS = text(
    """
INSERT INTO webhook_deliveries (
    event_id, account_id, endpoint_id, url, type, message_id, occurred_at, payload,
    state, attempts, next_attempt_at, retry_since, created_at
)
SELECT
    gen_random_uuid(), m.account_id, d.endpoint_id, d.url, v.type, m.id, v.at,
    jsonb_build_object(
        'message_id', m.id, 'status', v.status, 'to', m."to", 'from', m.sender,
        'segments', m.segments, 'campaign_id', m.campaign_id, 'batch_id', m.batch_id,
        'tags', m.tags, 'metadata', m.metadata,
        'error', CASE WHEN v.code IS NULL THEN NULL
                      ELSE jsonb_build_object('code', v.code, 'reason', v.reason) END
    ),
    'pending', 0,
    GREATEST(v.at, (
        SELECT max(p.next_attempt_at) FROM webhook_deliveries AS p
        WHERE p.message_id = m.id AND p.state = 'pending'
          AND p.endpoint_id IS NOT DISTINCT FROM d.endpoint_id
    )),
    v.at, v.at
FROM unnest(
    CAST(:ids AS uuid[]), CAST(:types AS text[]), CAST(:statuses AS text[]),
    CAST(:ats AS timestamptz[]), CAST(:reasons AS text[]), CAST(:codes AS text[])
) WITH ORDINALITY AS v(id, type, status, at, reason, code, n)
JOIN LATERAL (
    SELECT m.id, m.account_id, m."to", m.sender, m.segments, m.campaign_id, m.batch_id,
           m.tags, m.metadata, m.callback_url, m.callback_events
    FROM messages AS m WHERE m.id = v.id LIMIT 1
) AS m ON true
JOIN LATERAL (
    SELECT e.id AS endpoint_id, CAST(NULL AS text) AS url
    FROM webhook_endpoints AS e
    WHERE e.account_id = m.account_id AND e.disabled_at IS NULL
      AND (e.events @> jsonb_build_array(v.type) OR e.events @> CAST('["*"]' AS jsonb))
    UNION ALL
    SELECT CAST(NULL AS uuid), m.callback_url
    WHERE m.callback_url IS NOT NULL
      AND CASE WHEN m.callback_events IS NULL THEN v.type = 'message.delivered'
               ELSE m.callback_events @> jsonb_build_array(v.type) END
) AS d ON true
ORDER BY v.n, d.endpoint_id
"""
)


async def enqueue_message_events(conn: AsyncConnection, events: Sequence[MessageEvent]) -> None:
    """Write outbox rows for status changes someone subscribed to, in `conn`'s transaction.

    `events` are (message_id, to_status, at, reason, error_code). A message's account
    endpoints subscribed to the event type get one row each; its callback_url gets one if
    its callback_events ask for the type (none given: message.delivered only).
    """
    wanted = [e for e in events if e[1] in STATUS_EVENTS]
    if not wanted:
        return
    if conn.dialect.name == "postgresql":
        found = await conn.execute(_PG_CANDIDATES, {"ids": [e[0] for e in wanted]})
        wanted = [wanted[n - 1] for n in sorted(found.scalars())]
        if not wanted:
            return
        await conn.execute(
            _PG_MESSAGE_EVENTS,
            {
                "ids": [e[0] for e in wanted],
                "types": [STATUS_EVENTS[e[1]] for e in wanted],
                "statuses": [e[1] for e in wanted],
                "ats": [e[2] for e in wanted],
                "reasons": [e[3] for e in wanted],
                "codes": [e[4] for e in wanted],
            },
        )
        return
    await _message_events_portable(conn, wanted)


async def _message_events_portable(conn: AsyncConnection, events: list[MessageEvent]) -> None:
    """The same as the PostgreSQL statement, in Python (SQLite: one process, small batches)."""
    m, e = MESSAGES, ENDPOINTS
    live = select(e.c.account_id).where(e.c.disabled_at.is_(None))
    found = (
        await conn.execute(
            select(
                m.c.id,
                m.c.account_id,
                m.c.to,
                m.c.sender,
                m.c.segments,
                m.c.campaign_id,
                m.c.batch_id,
                m.c.tags,
                m.c["metadata"],
                m.c.callback_url,
                _CALLBACK_EVENTS.label("callback_events"),
            ).where(
                m.c.id.in_({ev[0] for ev in events}),
                or_(m.c.callback_url.is_not(None), m.c.account_id.in_(live)),
            )
        )
    ).all()
    if not found:
        return
    messages = {r.id: r for r in found}
    endpoints = await _endpoints(conn, {r.account_id for r in found})
    rows = []
    for mid, status, at, reason, code in events:
        msg = messages.get(mid)
        if msg is None:
            continue
        kind = STATUS_EVENTS[status]
        payload = {
            "message_id": str(mid),
            "status": status,
            "to": msg.to,
            "from": msg.sender,
            "segments": msg.segments,
            "campaign_id": str(msg.campaign_id) if msg.campaign_id else None,
            "batch_id": str(msg.batch_id) if msg.batch_id else None,
            "tags": msg.tags or [],
            "metadata": msg.metadata or {},
            "error": {"code": code, "reason": reason} if code is not None else None,
        }
        rows += _rows(
            endpoints.get(msg.account_id, []),
            msg.account_id,
            kind,
            payload,
            mid,
            at,
            _callback(msg.callback_url, msg.callback_events, kind),
        )
    await _insert(conn, rows)


async def enqueue(
    conn: AsyncConnection,
    *,
    account_id: uuid.UUID,
    type: str,
    payload: dict[str, Any],
    message_id: uuid.UUID | None = None,
    callback_url: str | None = None,
    at: datetime | None = None,
) -> int:
    """Write outbox rows for one event (a click, an inbound message, a finished batch).

    Destinations: the account's endpoints subscribed to `type`; with `message_id`, that
    message's callback_url when its callback_events ask for `type`; and `callback_url`, if
    given, always (a destination the caller chose, such as a batch's). Returns the rows written.
    """
    at = at or utcnow()
    payload = dict(payload)
    if message_id is not None:
        payload.setdefault("message_id", str(message_id))
    endpoints = (await _endpoints(conn, {account_id})).get(account_id, [])
    urls: list[str] = []
    if message_id is not None:
        m = MESSAGES
        msg = (
            await conn.execute(
                select(m.c.callback_url, _CALLBACK_EVENTS.label("callback_events")).where(
                    m.c.id == message_id
                )
            )
        ).first()
        if msg is not None:
            urls += _callback(msg.callback_url, msg.callback_events, type)
    if callback_url and callback_url not in urls:
        urls.append(callback_url)
    rows = _rows(endpoints, account_id, type, payload, message_id, at, urls)
    await _insert(conn, rows)
    return len(rows)


def _callback(url: str | None, events: list[str] | None, kind: str) -> list[str]:
    if url is None:
        return []
    return [url] if kind in (events if events is not None else DEFAULT_CALLBACK_EVENTS) else []


async def _endpoints(
    conn: AsyncConnection, accounts: set[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[uuid.UUID, list[str]]]]:
    e = ENDPOINTS
    found = await conn.execute(
        select(e.c.id, e.c.account_id, e.c.events)
        .where(e.c.account_id.in_(accounts), e.c.disabled_at.is_(None))
        .order_by(e.c.id)
    )
    out: dict[uuid.UUID, list[tuple[uuid.UUID, list[str]]]] = defaultdict(list)
    for r in found:
        out[r.account_id].append((r.id, r.events or []))
    return out


def _rows(
    endpoints: list[tuple[uuid.UUID, list[str]]],
    account_id: uuid.UUID,
    kind: str,
    payload: dict[str, Any],
    message_id: uuid.UUID | None,
    at: datetime,
    urls: list[str],
) -> list[dict[str, Any]]:
    dests: list[tuple[uuid.UUID | None, str | None]] = [
        (eid, None) for eid, events in endpoints if kind in events or ALL in events
    ]
    dests += [(None, url) for url in urls]
    return [
        {
            "event_id": new_id(),
            "account_id": account_id,
            "endpoint_id": eid,
            "url": url,
            "type": kind,
            "message_id": message_id,
            "occurred_at": at,
            "payload": payload,
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": at,
            "retry_since": at,
            "created_at": at,
        }
        for eid, url in dests
    ]


async def _insert(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    await _after_predecessors(conn, rows)
    await conn.execute(insert(DELIVERIES), rows)


async def _after_predecessors(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    """Start each row no earlier than the pending rows of its message and destination."""
    mids = {r["message_id"] for r in rows if r["message_id"] is not None}
    if not mids:
        return
    d = DELIVERIES
    found = await conn.execute(
        select(d.c.message_id, d.c.endpoint_id, func.max(d.c.next_attempt_at).label("last"))
        .where(and_(d.c.message_id.in_(mids), d.c.state == "pending"))
        .group_by(d.c.message_id, d.c.endpoint_id)
    )
    last = {(r.message_id, r.endpoint_id): r.last for r in found}
    for r in rows:
        after = last.get((r["message_id"], r["endpoint_id"]))
        if after is not None and after > r["next_attempt_at"]:
            r["next_attempt_at"] = after
