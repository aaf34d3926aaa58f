"""Opting numbers out and back in, set-based, with every change in the history.

The state is one row per (account, number, sender); `sender` "" means every sender of the
account. Opt-outs are upserts (`ON CONFLICT ... WHERE NOT active RETURNING`), so a change
made twice at once, by two processes, is applied and recorded once, and the rows a statement
returns are exactly the changes to write to `optout_changes`.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import AsyncIterator, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import String, and_, any_, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from smscast.db import Database, new_id, utcnow
from smscast.errors import InvalidRequest, NotFound, ValidationFailed
from smscast.messages.service import decode_cursor, encode_cursor
from smscast.numbers import normalise
from smscast.optouts import csvio
from smscast.optouts.addresses import InvalidNumber, normalise_sender
from smscast.optouts.models import CHANGES, EVERY_SENDER, OPTOUTS

__all__ = [
    "SOURCES",
    "Entry",
    "OptOutService",
    "Source",
    "blocked",
    "exempt",
    "opt_in",
    "opt_out",
    "opted_out",
]

Source = Literal["keyword", "api", "import", "cli"]
SOURCES: tuple[Source, ...] = ("keyword", "api", "import", "cli")
_CHUNK = 500  # rows per upsert: 9 parameters each stays far below SQLite's limit


@dataclass(frozen=True, slots=True)
class Entry:
    number: str
    sender: str = EVERY_SENDER
    detail: str = ""


def among(conn: AsyncConnection, column: Any, values: Collection[str]) -> Any:
    """`column IN values`; on PostgreSQL `= ANY(array)`: one parameter instead of 1,000, a
    statement planned once, and measured 2.5 times cheaper for a 1,000-message request."""
    if conn.dialect.name == "postgresql":
        return column == any_(literal(list(values), ARRAY(String)))
    return column.in_(values)


def dialect_insert(conn: AsyncConnection) -> Any:
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


async def opt_out(
    conn: AsyncConnection,
    account_id: uuid.UUID,
    entries: Sequence[Entry],
    *,
    source: Source,
    now: datetime,
    inbound_id: uuid.UUID | None = None,
) -> list[dict[str, Any]]:
    """Opt numbers out; return the history rows of those that were not out already."""
    unique = list({(e.number, e.sender): e for e in entries}.values())
    changes: list[dict[str, Any]] = []
    for start in range(0, len(unique), _CHUNK):
        rows = [
            {
                "id": new_id(),
                "account_id": account_id,
                "number": e.number,
                "sender": e.sender,
                "active": True,
                "source": source,
                "detail": e.detail,
                "reply_id": None,
                "created_at": now,
                "changed_at": now,
                "updated_at": now,
            }
            for e in unique[start : start + _CHUNK]
        ]
        stmt = dialect_insert(conn)(OPTOUTS).values(rows)
        stmt = stmt.on_conflict_do_update(
            index_elements=["account_id", "number", "sender"],
            set_={
                "active": True,
                "source": stmt.excluded.source,
                "detail": stmt.excluded.detail,
                "reply_id": None,
                "changed_at": stmt.excluded.changed_at,
                "updated_at": stmt.excluded.updated_at,
            },
            where=OPTOUTS.c.active.is_(False),
        ).returning(OPTOUTS.c.number, OPTOUTS.c.sender, OPTOUTS.c.detail)
        changed = (await conn.execute(stmt)).all()
        changes += [
            _change(account_id, r.number, r.sender, "opt_out", source, r.detail, inbound_id, now)
            for r in changed
        ]
    if changes:
        await conn.execute(insert(CHANGES), changes)
    return changes


async def opt_in(
    conn: AsyncConnection,
    account_id: uuid.UUID,
    number: str,
    *,
    sender: str = EVERY_SENDER,
    source: Source,
    detail: str = "",
    now: datetime,
    inbound_id: uuid.UUID | None = None,
) -> list[dict[str, Any]]:
    """Opt a number back in: for one sender, or ("") for everything. Return the changes."""
    o = OPTOUTS
    conds = [o.c.account_id == account_id, o.c.number == number, o.c.active.is_(True)]
    if sender != EVERY_SENDER:
        conds.append(o.c.sender == sender)
    rows = (
        await conn.execute(
            update(o)
            .where(*conds)
            .values(
                active=False,
                source=source,
                detail=detail,
                reply_id=None,
                changed_at=now,
                updated_at=now,
            )
            .returning(o.c.sender)
        )
    ).all()
    changes = [
        _change(account_id, number, r.sender, "opt_in", source, detail, inbound_id, now)
        for r in rows
    ]
    if changes:
        await conn.execute(insert(CHANGES), changes)
    return changes


async def exempt(
    conn: AsyncConnection,
    account_id: uuid.UUID,
    number: str,
    sender: str,
    reply_id: uuid.UUID,
    now: datetime,
) -> None:
    """Let one consent reply (a STOP confirmation, a HELP answer) through the suppression."""
    o = OPTOUTS
    await conn.execute(
        update(o)
        .where(
            o.c.account_id == account_id,
            o.c.number == number,
            o.c.sender.in_({EVERY_SENDER, sender}),
            o.c.active.is_(True),
        )
        .values(reply_id=reply_id, updated_at=now)
    )


async def blocked(
    conn: AsyncConnection, account_id: uuid.UUID, pairs: Sequence[tuple[str, str | None]]
) -> list[bool]:
    """For each (to, sender), whether it is opted out: one query for up to 1,000 numbers."""
    numbers = {to for to, _ in pairs}
    if not numbers:
        return []
    out: dict[str, set[str]] = {}
    found = (
        await conn.execute(
            select(OPTOUTS.c.number, OPTOUTS.c.sender).where(
                OPTOUTS.c.account_id == account_id,
                among(conn, OPTOUTS.c.number, numbers),
                OPTOUTS.c.active.is_(True),
            )
        )
    ).all()
    for r in found:
        out.setdefault(r.number, set()).add(r.sender)
    return [_blocks(out.get(to), sender) for to, sender in pairs]


async def opted_out(
    conn: AsyncConnection,
    account_id: uuid.UUID,
    numbers: Sequence[str],
    sender: str | None = None,
) -> set[str]:
    """Which of `numbers` may not get a message from `sender` (None: from the account at
    large), a query per 1,000 numbers: for batches and other bulk paths."""
    out: set[str] = set()
    for start in range(0, len(numbers), 1000):
        chunk = numbers[start : start + 1000]
        hits = await blocked(conn, account_id, [(n, sender) for n in chunk])
        out.update(n for n, hit in zip(chunk, hits, strict=True) if hit)
    return out


def _blocks(senders: set[str] | None, sender: str | None) -> bool:
    """Whether opt-outs for `senders` ("" = all) stop a message from `sender`."""
    if not senders:
        return False
    return EVERY_SENDER in senders or (sender or EVERY_SENDER) in senders


def _change(
    account_id: uuid.UUID,
    number: str,
    sender: str,
    action: str,
    source: str,
    detail: str,
    inbound_id: uuid.UUID | None,
    now: datetime,
) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "number": number,
        "sender": sender,
        "action": action,
        "source": source,
        "detail": detail,
        "inbound_id": inbound_id,
        "at": now,
    }


def optout_out(row: Any) -> dict[str, Any]:
    return {
        "number": row.number,
        "sender": row.sender or None,
        "opted_out": row.active,
        "source": row.source,
        "detail": row.detail,
        "created_at": row.created_at,
        "changed_at": row.changed_at,
    }


def change_out(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "number": row.number,
        "sender": row.sender or None,
        "action": row.action,
        "source": row.source,
        "detail": row.detail,
        "inbound_id": row.inbound_id,
        "at": row.at,
    }


class OptOutService:
    """The opt-out list of an account: read, change, import, export."""

    def __init__(self, db: Database):
        self.db = db

    def number(self, raw: str, region: str, field: str = "number") -> str:
        try:
            return normalise(raw, region)
        except InvalidNumber as exc:
            raise ValidationFailed(
                "Invalid number.", [{"field": field, "code": "invalid_number", "message": str(exc)}]
            ) from None

    def sender(self, raw: str | None, region: str) -> str:
        if not raw:
            return EVERY_SENDER
        try:
            return normalise_sender(raw, region)
        except InvalidNumber:
            raise ValidationFailed(
                "Invalid sender.",
                [{"field": "sender", "code": "invalid_sender", "message": "not a sender"}],
            ) from None

    async def add(
        self,
        account_id: uuid.UUID,
        number: str,
        *,
        sender: str = EVERY_SENDER,
        source: Source,
        detail: str = "",
    ) -> bool:
        """Opt `number` out; False when it already was."""
        async with self.db.begin() as conn:
            changed = await opt_out(
                conn, account_id, [Entry(number, sender, detail)], source=source, now=utcnow()
            )
        return bool(changed)

    async def remove(
        self,
        account_id: uuid.UUID,
        number: str,
        *,
        sender: str = EVERY_SENDER,
        source: Source,
        detail: str = "",
    ) -> int:
        """Opt `number` back in; NotFound when it was not out."""
        async with self.db.begin() as conn:
            changed = await opt_in(
                conn, account_id, number, sender=sender, source=source, detail=detail, now=utcnow()
            )
        if not changed:
            raise NotFound("This number is not opted out.")
        return len(changed)

    async def status(self, account_id: uuid.UUID, number: str) -> dict[str, Any]:
        """Where a number stands, and everything that happened to it."""
        async with self.db.begin() as conn:
            rows = (
                await conn.execute(
                    select(OPTOUTS)
                    .where(OPTOUTS.c.account_id == account_id, OPTOUTS.c.number == number)
                    .order_by(OPTOUTS.c.sender)
                )
            ).all()
            history = (
                await conn.execute(
                    select(CHANGES)
                    .where(CHANGES.c.account_id == account_id, CHANGES.c.number == number)
                    .order_by(CHANGES.c.id)
                )
            ).all()
        if not rows:
            raise NotFound("This number has never been opted out.")
        return {
            "number": number,
            "opted_out": any(r.active for r in rows),
            "scopes": [optout_out(r) for r in rows],
            "history": [change_out(h) for h in history],
        }

    async def history(
        self,
        account_id: uuid.UUID,
        *,
        number: str | None = None,
        cursor: str | None,
        limit: int,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Every opt-out and opt-in, newest first."""
        c = CHANGES
        conds = [c.c.account_id == account_id]
        if cursor:
            conds.append(c.c.id < _decode_int(cursor))
        if number is not None:
            conds.append(c.c.number == number)
        query = select(c).where(and_(*conds)).order_by(c.c.id.desc()).limit(limit + 1)
        async with self.db.begin() as conn:
            rows = (await conn.execute(query)).all()
        next_cursor = _encode_int(rows[limit - 1].id) if len(rows) > limit else None
        return [change_out(r) for r in rows[:limit]], next_cursor

    async def import_csv(
        self, account_id: uuid.UUID, data: bytes, *, region: str, source: Source, detail: str = ""
    ) -> dict[str, Any]:
        """Opt out every valid row of a CSV in one transaction; report the rows refused."""
        parsed = csvio.parse(csvio.decode(data), region)
        entries = [Entry(r.number, r.sender, r.detail or detail) for r in parsed.rows]
        async with self.db.begin() as conn:
            changed = await opt_out(conn, account_id, entries, source=source, now=utcnow())
        return {
            "rows": len(parsed.rows) + len(parsed.errors),
            "opted_out": len(changed),
            "unchanged": len({(e.number, e.sender) for e in entries}) - len(changed),
            "rejected": len(parsed.errors),
            "errors": parsed.errors[:100],
        }

    async def export_csv(self, account_id: uuid.UUID, *, page: int = 5000) -> AsyncIterator[str]:
        """The opted-out numbers as CSV text, a page at a time (no list held whole)."""
        yield csvio.format_rows([], header=True)
        o = OPTOUTS
        after: uuid.UUID | None = None
        while True:
            conds = [o.c.account_id == account_id, o.c.active.is_(True)]
            if after is not None:
                conds.append(o.c.id > after)
            async with self.db.begin() as conn:
                rows = (
                    await conn.execute(select(o).where(*conds).order_by(o.c.id).limit(page))
                ).all()
            if not rows:
                return
            yield csvio.format_rows(_export_row(r) for r in rows)
            after = rows[-1].id

    async def list(
        self,
        account_id: uuid.UUID,
        *,
        number: str | None = None,
        sender: str | None = None,
        cursor: str | None,
        limit: int,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Opted-out numbers, newest first."""
        o = OPTOUTS
        conds = [o.c.account_id == account_id, o.c.active.is_(True)]
        if cursor:
            conds.append(o.c.id < decode_cursor(cursor))
        if number is not None:
            conds.append(o.c.number == number)
        if sender is not None:
            conds.append(o.c.sender == sender)
        query = select(o).where(and_(*conds)).order_by(o.c.id.desc()).limit(limit + 1)
        async with self.db.begin() as conn:
            rows = (await conn.execute(query)).all()
        next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
        return [optout_out(r) for r in rows[:limit]], next_cursor


def _export_row(r: Any) -> Iterable[Any]:
    return (r.number, r.sender, r.source, r.detail, r.changed_at.isoformat())


def _encode_int(value: int) -> str:
    return base64.urlsafe_b64encode(value.to_bytes(8, "big")).decode().rstrip("=")


def _decode_int(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (ValueError, binascii.Error):
        raw = b""
    if len(raw) != 8:
        raise InvalidRequest("The cursor is not valid.", code="invalid-cursor")
    return int.from_bytes(raw, "big")
