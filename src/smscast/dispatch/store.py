"""What the dispatch worker needs of the database: claim, record outcomes, apply receipts.

Every status change is written with its event in the same transaction, in batches. On
PostgreSQL a claim is one statement (`FOR UPDATE SKIP LOCKED` inside a data-modifying CTE
that also writes the events), and outcome updates go through `unnest` arrays, one statement
per kind per batch. SQLite (one process, one writer) takes the plain path.

A claim leases rows to one worker until `lease_until`; rows whose worker died come back to
`queued` when the lease ends (the only way a message can be sent twice: it was on the wire
when its worker died).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from sqlalchemy import ARRAY, and_, any_, bindparam, delete, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from smscast.connectors.base import Receipt
from smscast.connectors.smpp.receipts import candidate_ids
from smscast.db import Database, UTCDateTime
from smscast.dispatch.models import WORKERS
from smscast.messages.models import EVENTS, MESSAGES, PARTS, PENDING_RECEIPTS
from smscast.messages.writer import copy_rows
from smscast.webhooks.outbox import enqueue_message_events

__all__ = ["Claimed", "DispatchStore", "Outcome", "SqlStore"]

OutcomeKind = Literal["sent", "retry", "failed", "expired", "reschedule", "release", "cancel"]

# The status each outcome moves a `sending` message to.
_TARGET: dict[OutcomeKind, str] = {
    "sent": "sent",
    "retry": "queued",
    "failed": "failed",
    "expired": "expired",
    "reschedule": "scheduled",
    "release": "queued",
    "cancel": "canceled",  # a claim-time check refused it (the recipient opted out)
}

# Part states that end a part; a message is final when all its parts are.
_PART_FINAL = {"delivered", "undelivered", "expired", "rejected", "unknown"}


@dataclass(slots=True)
class Claimed:
    id: uuid.UUID
    account_id: uuid.UUID
    to: str
    sender: str | None
    body: str
    segments: int
    traffic: str
    attempts: int
    expires_at: datetime | None
    window: dict[str, Any] | None
    prev_status: str


@dataclass(slots=True)
class Outcome:
    message_id: uuid.UUID
    kind: OutcomeKind
    connector: str | None = None
    carrier_ids: list[str] = field(default_factory=list)
    due_at: datetime | None = None
    code: str | None = None
    reason: str | None = None
    attempts: int | None = None


class DispatchStore(Protocol):
    async def claim(
        self, worker: str, limit: int, lease: timedelta, now: datetime
    ) -> list[Claimed]: ...
    async def record(self, worker: str, outcomes: Sequence[Outcome], now: datetime) -> None: ...
    async def apply_receipts(
        self, connector: str, receipts: Sequence[Receipt], now: datetime
    ) -> int: ...
    async def recover_leases(self, now: datetime) -> int: ...
    async def reconcile_pending(self, now: datetime, retention: timedelta) -> int: ...
    async def expire_overdue(self, now: datetime, receipt_timeout: timedelta) -> int: ...
    async def heartbeat(self, worker: str, host: str, pid: int, now: datetime) -> int: ...
    async def leave(self, worker: str) -> None: ...


_CLAIM_COLS = (
    'id, account_id, "to", sender, body, segments, traffic, attempts, expires_at, "window"'
)

_PG_CLAIM = text(
    f"""
WITH c AS (
    SELECT id, status FROM messages
    WHERE status IN ('queued', 'scheduled') AND due_at <= :now
    ORDER BY due_at
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
), u AS (
    UPDATE messages AS m
    SET status = 'sending', lease_owner = :worker, lease_until = :until, updated_at = :now
    FROM c WHERE m.id = c.id
    RETURNING {", ".join("m." + c.strip() for c in _CLAIM_COLS.split(","))}, c.status AS prev
), e AS (
    INSERT INTO message_events (message_id, at, from_status, to_status, reason)
    SELECT id, :now, prev, 'sending', 'claimed' FROM u
)
SELECT * FROM u
"""
).bindparams(bindparam("now", type_=UTCDateTime()), bindparam("until", type_=UTCDateTime()))


class SqlStore:
    """DispatchStore on SQLAlchemy; PostgreSQL gets set-based statements."""

    def __init__(self, db: Database):
        self.db = db
        self.pg = db.is_postgres

    # -- claims ------------------------------------------------------------------------

    async def claim(
        self, worker: str, limit: int, lease: timedelta, now: datetime
    ) -> list[Claimed]:
        """Lease up to `limit` due messages to `worker`, oldest due first."""
        async with self.db.begin() as conn:
            if self.pg:
                rows = (
                    await conn.execute(
                        _PG_CLAIM,
                        {"now": now, "until": now + lease, "worker": worker, "limit": limit},
                    )
                ).all()
            else:
                rows = await self._claim_sqlite(conn, worker, limit, now + lease, now)
        return [
            Claimed(
                r.id,
                r.account_id,
                r.to,
                r.sender,
                r.body,
                r.segments,
                r.traffic,
                r.attempts,
                _utc(r.expires_at),
                r.window,
                r.prev,
            )
            for r in rows
        ]

    async def _claim_sqlite(
        self, conn: AsyncConnection, worker: str, limit: int, until: datetime, now: datetime
    ) -> list[Any]:
        m = MESSAGES
        due = (
            await conn.execute(
                select(m.c.id, m.c.status)
                .where(m.c.status.in_(("queued", "scheduled")), m.c.due_at <= now)
                .order_by(m.c.due_at)
                .limit(limit)
            )
        ).all()
        if not due:
            return []
        prev = {r.id: r.status for r in due}
        rows = (
            await conn.execute(
                update(m)
                .where(m.c.id.in_(list(prev)), m.c.status.in_(("queued", "scheduled")))
                .values(status="sending", lease_owner=worker, lease_until=until, updated_at=now)
                .returning(
                    m.c.id,
                    m.c.account_id,
                    m.c.to,
                    m.c.sender,
                    m.c.body,
                    m.c.segments,
                    m.c.traffic,
                    m.c.attempts,
                    m.c.expires_at,
                    m.c.window,
                )
            )
        ).all()
        out = [_Row(**r._asdict(), prev=prev[r.id]) for r in rows]
        await _events(conn, [(r.id, r.prev, "sending", "claimed", None) for r in out], now)
        return out

    # -- outcomes ----------------------------------------------------------------------

    async def record(self, worker: str, outcomes: Sequence[Outcome], now: datetime) -> None:
        """Write what happened to claimed messages; only rows this worker still leases move."""
        by_kind: dict[OutcomeKind, list[Outcome]] = defaultdict(list)
        for o in outcomes:
            by_kind[o.kind].append(o)
        async with self.db.begin() as conn:
            for kind, items in by_kind.items():
                moved = await self._move(conn, worker, kind, items, now)
                await _events(
                    conn,
                    [
                        (o.message_id, "sending", _TARGET[kind], o.reason or kind, o.code)
                        for o in items
                        if o.message_id in moved
                    ],
                    now,
                )
                if kind == "sent":
                    await self._insert_parts(conn, [o for o in items if o.message_id in moved], now)

    async def _move(
        self,
        conn: AsyncConnection,
        worker: str,
        kind: OutcomeKind,
        items: list[Outcome],
        now: datetime,
    ) -> set[uuid.UUID]:
        final = kind in ("failed", "expired", "cancel")
        values = [
            {
                "id": o.message_id,
                "connector": o.connector,
                "due_at": o.due_at,
                "error_code": o.code,
                "error_reason": o.reason if kind != "sent" else None,
                "attempts": o.attempts,
            }
            for o in items
        ]
        if self.pg:
            stmt = text(
                """
UPDATE messages AS m SET
    status = CAST(:status AS text), updated_at = :now, lease_owner = NULL, lease_until = NULL,
    connector = COALESCE(v.connector, m.connector),
    due_at = COALESCE(v.due_at, m.due_at),
    error_code = v.error_code,
    error_reason = v.error_reason,
    attempts = COALESCE(v.attempts, m.attempts),
    sent_at = CASE WHEN CAST(:status AS text) = 'sent' THEN :now ELSE m.sent_at END,
    done_at = CASE WHEN CAST(:final AS boolean) THEN :now ELSE m.done_at END
FROM unnest(
    CAST(:ids AS uuid[]), CAST(:connectors AS text[]), CAST(:dues AS timestamptz[]),
    CAST(:codes AS text[]), CAST(:reasons AS text[]), CAST(:attempts AS int[])
) AS v(id, connector, due_at, error_code, error_reason, attempts)
WHERE m.id = v.id AND m.status = 'sending' AND m.lease_owner = CAST(:worker AS text)
RETURNING m.id
"""
            ).bindparams(bindparam("now", type_=UTCDateTime()))
            rows = await conn.execute(
                stmt,
                {
                    "status": _TARGET[kind],
                    "now": now,
                    "final": final,
                    "worker": worker,
                    "ids": [v["id"] for v in values],
                    "connectors": [v["connector"] for v in values],
                    "dues": [v["due_at"] for v in values],
                    "codes": [v["error_code"] for v in values],
                    "reasons": [v["error_reason"] for v in values],
                    "attempts": [v["attempts"] for v in values],
                },
            )
            return {r.id for r in rows}
        moved = set()
        m = MESSAGES
        for v in values:
            changes: dict[str, Any] = {
                "status": _TARGET[kind],
                "updated_at": now,
                "lease_owner": None,
                "lease_until": None,
            }
            for col in ("connector", "due_at", "attempts"):
                if v[col] is not None:
                    changes[col] = v[col]
            changes |= {"error_code": v["error_code"], "error_reason": v["error_reason"]}
            if kind == "sent":
                changes["sent_at"] = now
            if final:
                changes["done_at"] = now
            row = (
                await conn.execute(
                    update(m)
                    .where(m.c.id == v["id"], m.c.status == "sending", m.c.lease_owner == worker)
                    .values(**changes)
                    .returning(m.c.id)
                )
            ).first()
            if row is not None:
                moved.add(row.id)
        return moved

    async def _insert_parts(
        self, conn: AsyncConnection, sent: list[Outcome], now: datetime
    ) -> None:
        rows: list[dict[str, Any]] = [
            {
                "message_id": o.message_id,
                "part": i,
                "connector": o.connector,
                "carrier_id": cid,
                "state": "sent",
                "error_code": None,
                "updated_at": now,
            }
            for o in sent
            for i, cid in enumerate(o.carrier_ids, start=1)
        ]
        if not rows:
            return
        await _insert(conn, PARTS, rows)
        # Receipts that beat their submit_sm_resp waited in pending_receipts: apply them now.
        by_connector: dict[str, set[str]] = defaultdict(set)
        for r in rows:
            by_connector[r["connector"]] |= candidate_ids(r["carrier_id"])
        for connector, ids in by_connector.items():
            await self._apply_pending(
                conn, connector, _among(conn, PENDING_RECEIPTS.c.carrier_id, ids), now
            )

    async def _apply_pending(
        self, conn: AsyncConnection, connector: str, condition: Any, now: datetime
    ) -> int:
        """Apply the stored pending receipts that now match a part; drop those rows."""
        pending = (
            await conn.execute(
                select(PENDING_RECEIPTS)
                .where(PENDING_RECEIPTS.c.connector == connector, condition)
                .order_by(PENDING_RECEIPTS.c.id)
                .limit(5000)
            )
        ).all()
        if not pending:
            return 0
        receipts = {
            p.id: Receipt(p.carrier_id, p.state, p.error_code, None, p.raw) for p in pending
        }
        matched, _ = await self._match(conn, connector, list(receipts.values()))
        done = {id(r) for r, _ in matched}
        applied = [pid for pid, r in receipts.items() if id(r) in done]
        if matched:
            await self._apply_matched(conn, matched, now)
            await conn.execute(
                delete(PENDING_RECEIPTS).where(_among(conn, PENDING_RECEIPTS.c.id, applied))
            )
        return len(applied)

    async def reconcile_pending(self, now: datetime, retention: timedelta) -> int:
        """Apply pending receipts whose parts were stored by another transaction meanwhile.

        A receipt and its submit outcome may commit concurrently (in two workers, when the
        carrier sends receipts down another worker's bind), each unseen by the other; this
        sweep closes that window. Receipts unmatched past `retention` are dropped.
        """
        async with self.db.begin() as conn:
            await conn.execute(
                delete(PENDING_RECEIPTS).where(PENDING_RECEIPTS.c.received_at < now - retention)
            )
            connectors = (
                (await conn.execute(select(PENDING_RECEIPTS.c.connector).distinct()))
                .scalars()
                .all()
            )
            return sum(
                [
                    await self._apply_pending(conn, c, PENDING_RECEIPTS.c.id.isnot(None), now)
                    for c in connectors
                ]
            )

    # -- receipts ----------------------------------------------------------------------

    async def apply_receipts(
        self, connector: str, receipts: Sequence[Receipt], now: datetime
    ) -> int:
        """Apply receipts to their parts and messages; keep unmatched ones for later.

        Returns how many matched a part.
        """
        async with self.db.begin() as conn:
            return await self._apply(conn, connector, receipts, now)

    async def _apply(
        self, conn: AsyncConnection, connector: str, receipts: Sequence[Receipt], now: datetime
    ) -> int:
        final = [r for r in receipts if r.state in _PART_FINAL]
        if not final:
            return 0
        matched, unmatched = await self._match(conn, connector, final)
        if unmatched:
            await conn.execute(
                insert(PENDING_RECEIPTS),
                [
                    {
                        "connector": connector,
                        "carrier_id": r.carrier_id,
                        "state": r.state,
                        "error_code": r.error_code,
                        "received_at": now,
                        "raw": r.raw[:1000],
                    }
                    for r in unmatched
                ],
            )
        if matched:
            await self._apply_matched(conn, matched, now)
        return len(matched)

    async def _match(
        self, conn: AsyncConnection, connector: str, receipts: Sequence[Receipt]
    ) -> tuple[list[tuple[Receipt, Any]], list[Receipt]]:
        """Pair receipts with stored parts of `connector`, by normalised carrier id."""
        ids = {cid for r in receipts for cid in candidate_ids(r.carrier_id)}
        parts = (
            await conn.execute(
                select(PARTS.c.message_id, PARTS.c.part, PARTS.c.carrier_id, PARTS.c.state).where(
                    PARTS.c.connector == connector, _among(conn, PARTS.c.carrier_id, ids)
                )
            )
        ).all()
        by_carrier = {p.carrier_id: p for p in parts}
        matched, unmatched = [], []
        for r in receipts:
            # Exact id first: with sequential decimal ids, another reading of "16" may be
            # another message of ours.
            found = by_carrier.get(r.carrier_id) or next(
                (by_carrier[c] for c in candidate_ids(r.carrier_id) if c in by_carrier), None
            )
            if found is None:
                unmatched.append(r)
            else:
                matched.append((r, found))
        return matched, unmatched

    async def _apply_matched(
        self, conn: AsyncConnection, matched: list[tuple[Receipt, Any]], now: datetime
    ) -> None:
        if self.pg:
            await conn.execute(
                text(
                    """
UPDATE message_parts AS p SET state = v.state, error_code = v.err, updated_at = :now
FROM unnest(CAST(:mids AS uuid[]), CAST(:pnos AS int[]), CAST(:states AS text[]),
            CAST(:errs AS text[])) AS v(mid, pno, state, err)
WHERE p.message_id = v.mid AND p.part = v.pno
"""
                ).bindparams(bindparam("now", type_=UTCDateTime())),
                {
                    "now": now,
                    "mids": [p.message_id for _, p in matched],
                    "pnos": [p.part for _, p in matched],
                    "states": [r.state for r, _ in matched],
                    "errs": [r.error_code for r, _ in matched],
                },
            )
        else:
            await conn.execute(
                update(PARTS)
                .where(
                    and_(PARTS.c.message_id == bindparam("mid"), PARTS.c.part == bindparam("pno"))
                )
                .values(state=bindparam("st"), error_code=bindparam("err"), updated_at=now),
                [
                    {"mid": p.message_id, "pno": p.part, "st": r.state, "err": r.error_code}
                    for r, p in matched
                ],
            )
        await self._settle_messages(conn, {p.message_id for _, p in matched}, now)

    async def _settle_messages(
        self, conn: AsyncConnection, message_ids: set[uuid.UUID], now: datetime
    ) -> None:
        """Move `sent` messages whose parts are all final to their final status."""
        parts = (
            await conn.execute(
                select(PARTS.c.message_id, PARTS.c.part, PARTS.c.state, PARTS.c.error_code)
                .where(_among(conn, PARTS.c.message_id, message_ids))
                .order_by(PARTS.c.message_id, PARTS.c.part)
            )
        ).all()
        grouped: dict[uuid.UUID, list[Any]] = defaultdict(list)
        for p in parts:
            grouped[p.message_id].append(p)
        changes = []
        for mid, ps in grouped.items():
            if all(p.state in _PART_FINAL for p in ps):
                changes.append((mid, *_message_result(ps)))
        if not changes:
            return
        moved: set[uuid.UUID] = set()
        for status in {c[1] for c in changes}:
            group = [c for c in changes if c[1] == status]
            moved |= await self._finish(conn, status, group, now)
        await _events(
            conn,
            [
                (mid, "sent", status, reason, code)
                for mid, status, code, reason in changes
                if mid in moved
            ],
            now,
        )

    async def _finish(
        self, conn: AsyncConnection, status: str, group: list[tuple[Any, ...]], now: datetime
    ) -> set[uuid.UUID]:
        m = MESSAGES
        moved = set()
        # Few distinct (code, reason) pairs per batch: one statement each.
        keyed: dict[tuple[str | None, str | None], list[uuid.UUID]] = defaultdict(list)
        for mid, _, code, reason in group:
            keyed[(code, reason)].append(mid)
        for (code, reason), ids in keyed.items():
            rows = await conn.execute(
                update(m)
                .where(_among(conn, m.c.id, ids), m.c.status == "sent")
                .values(
                    status=status, error_code=code, error_reason=reason, done_at=now, updated_at=now
                )
                .returning(m.c.id)
            )
            moved |= {r.id for r in rows}
        return moved

    # -- sweeps ------------------------------------------------------------------------

    async def recover_leases(self, now: datetime) -> int:
        """Rows whose worker died (lease over, still `sending`) go back to `queued`."""
        m = MESSAGES
        async with self.db.begin() as conn:
            rows = (
                await conn.execute(
                    update(m)
                    .where(m.c.status == "sending", m.c.lease_until < now)
                    .values(status="queued", lease_owner=None, lease_until=None, updated_at=now)
                    .returning(m.c.id)
                )
            ).all()
            await _events(
                conn, [(r.id, "sending", "queued", "lease expired", None) for r in rows], now
            )
        return len(rows)

    async def expire_overdue(self, now: datetime, receipt_timeout: timedelta) -> int:
        """Expire waiting messages past `expires_at`, and sent ones that never got a receipt."""
        m = MESSAGES
        count = 0
        async with self.db.begin() as conn:
            for cond, prev, code, reason in (
                (
                    and_(m.c.status.in_(("queued", "scheduled")), m.c.expires_at < now),
                    None,
                    "expired",
                    "expired before it could be sent",
                ),
                (
                    and_(m.c.status == "sent", m.c.sent_at < now - receipt_timeout),
                    "sent",
                    "no_receipt",
                    "no delivery receipt before the receipt timeout",
                ),
            ):
                rows = (
                    await conn.execute(
                        update(m)
                        .where(cond)
                        .values(
                            status="expired",
                            error_code=code,
                            error_reason=reason,
                            done_at=now,
                            updated_at=now,
                        )
                        .returning(m.c.id, m.c.status)
                    )
                ).all()
                await _events(
                    conn, [(r.id, prev or "queued", "expired", reason, code) for r in rows], now
                )
                count += len(rows)
        return count

    # -- workers -----------------------------------------------------------------------

    async def heartbeat(self, worker: str, host: str, pid: int, now: datetime) -> int:
        """Record that `worker` lives; return how many workers live (for rate splitting)."""
        w = WORKERS
        async with self.db.begin() as conn:
            updated = await conn.execute(update(w).where(w.c.id == worker).values(heartbeat_at=now))
            if updated.rowcount == 0:
                await conn.execute(
                    insert(w).values(
                        id=worker, host=host, pid=pid, started_at=now, heartbeat_at=now
                    )
                )
            await conn.execute(delete(w).where(w.c.heartbeat_at < now - timedelta(minutes=10)))
            live = (
                await conn.execute(
                    select(w.c.id).where(w.c.heartbeat_at >= now - timedelta(seconds=15))
                )
            ).all()
        return max(1, len(live))

    async def leave(self, worker: str) -> None:
        async with self.db.begin() as conn:
            await conn.execute(delete(WORKERS).where(WORKERS.c.id == worker))


def _among(conn: AsyncConnection, column: Any, values: Iterable[Any]) -> Any:
    """`column IN values`: one array parameter on PostgreSQL (a thousand-item IN list costs
    more to compile than to run), a plain IN list elsewhere."""
    values = list(values)
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


@dataclass(slots=True)
class _Row:
    id: uuid.UUID
    account_id: uuid.UUID
    to: str
    sender: str | None
    body: str
    segments: int
    traffic: str
    attempts: int
    expires_at: datetime | None
    window: dict[str, Any] | None
    prev: str


def _utc(value: datetime | None) -> datetime | None:
    from datetime import UTC

    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _message_result(parts: list[Any]) -> tuple[str, str | None, str | None]:
    """A message's final status from its parts: (status, error_code, error_reason)."""
    total = len(parts)
    for state, status, code in (
        ("rejected", "failed", "rejected"),
        ("undelivered", "undelivered", "undelivered"),
        ("unknown", "undelivered", "undelivered"),
        ("expired", "expired", "expired"),
    ):
        bad = [p for p in parts if p.state == state]
        if bad:
            which = ", ".join(str(p.part) for p in bad)
            where = f"part {which} of {total}" if total > 1 else "the message"
            carrier = bad[0].error_code
            reason = f"{where} {state} by the carrier" + (f" (err {carrier})" if carrier else "")
            return status, code, reason
    return "delivered", None, None


async def _events(
    conn: AsyncConnection,
    rows: Iterable[tuple[uuid.UUID, str | None, str, str | None, str | None]],
    now: datetime,
) -> None:
    """Insert one event per (message_id, from, to, reason, error_code)."""
    values = [
        {
            "message_id": mid,
            "at": now,
            "from_status": prev,
            "to_status": new,
            "reason": reason,
            "data": {"error_code": code} if code else None,
        }
        for mid, prev, new, reason, code in rows
    ]
    await _insert(conn, EVENTS, values)
    # The webhook outbox for these changes, in this same transaction (`rows` is a list).
    await enqueue_message_events(conn, [(m, new, now, r, c) for m, _, new, r, c in rows])


async def _insert(conn: AsyncConnection, table: Any, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        await copy_rows(conn, table, rows)
    else:
        await conn.execute(insert(table), rows)
