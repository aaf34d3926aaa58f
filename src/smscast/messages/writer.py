"""Group commit: many concurrent requests' rows written in one transaction.

Each request hands its rows to the writer and waits; the writer takes whatever has
accumulated while the previous commit was running and writes it all at once. When idle
there is no added wait; under load the batches grow by themselves. The request is answered
only after the commit that holds its rows: nothing acknowledged lives only in memory.

If a grouped commit fails (an idempotency key raced, a constraint), each write set is retried
in a transaction of its own, so one bad request never fails its neighbours.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from smscast.db import Database
from smscast.idempotency import IDEMPOTENCY
from smscast.lib.jsonx import dumps
from smscast.links.store import insert_links
from smscast.messages.models import EVENTS, MESSAGES

__all__ = ["GroupWriter", "WriteSet", "write_sets"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class WriteSet:
    messages: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    idempotency: dict[str, Any] | None = None
    links: list[dict[str, Any]] = field(default_factory=list)  # smscast.links rows


async def write_sets(conn: AsyncConnection, sets: list[WriteSet]) -> None:
    """Insert the rows of several write sets with one multi-row statement per table."""
    messages = [m for s in sets for m in s.messages]
    events = [e for s in sets for e in s.events]
    idem = [s.idempotency for s in sets if s.idempotency is not None]
    if idem:  # first: a raced key fails fast, before the big inserts
        await conn.execute(insert(IDEMPOTENCY), idem)
    links = [k for s in sets for k in s.links]
    if links:  # before the messages: a code collision rewrites its message's body
        await insert_links(conn, links, messages)
    if conn.dialect.name == "postgresql":
        # COPY is several times cheaper than multi-row INSERT for the hot tables.
        await copy_rows(conn, MESSAGES, messages)
        await copy_rows(conn, EVENTS, events)
        return
    if messages:
        await conn.execute(insert(MESSAGES), messages)
    if events:
        await conn.execute(insert(EVENTS), events)


async def copy_rows(conn: AsyncConnection, table: Table, rows: list[dict[str, Any]]) -> None:
    """COPY `rows` into `table` on PostgreSQL, inside the connection's transaction.

    Columns missing from the first row take their server default (the events' identity).
    JSON columns are passed as text, which asyncpg sends for jsonb.
    """
    if not rows:
        return
    columns = [c.name for c in table.columns if c.name in rows[0]]
    json_cols = {c.name for c in table.columns if isinstance(c.type, JSON) or _is_json(c.type)}
    records = [
        tuple(
            (None if r[c] is None else dumps(r[c]).decode()) if c in json_cols else r[c]
            for c in columns
        )
        for r in rows
    ]
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    if not driver.is_in_transaction():
        # SQLAlchemy sends BEGIN with the first statement it runs itself; COPY goes around
        # it, so with nothing run yet each COPY would commit on its own, outside the
        # transaction (a message without its event; a retried group hitting its own rows).
        await conn.exec_driver_sql("SELECT 1")
    await driver.copy_records_to_table(table.name, records=records, columns=columns)


def _is_json(type_: Any) -> bool:
    return isinstance(getattr(type_, "impl", None), JSON) or any(
        isinstance(v, JSON) for v in getattr(type_, "_variant_mapping", {}).values()
    )


class GroupWriter:
    def __init__(self, db: Database, *, max_rows: int = 5000):
        self.db = db
        self.max_rows = max_rows
        self._queue: asyncio.Queue[tuple[WriteSet, asyncio.Future[None]]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def write(self, ws: WriteSet) -> None:
        """Return once `ws` is committed; raise what its own transaction raised."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="group-writer")
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._queue.put((ws, fut))
        await fut

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            rows = len(batch[0][0].messages)
            while rows < self.max_rows and not self._queue.empty():
                item = self._queue.get_nowait()
                batch.append(item)
                rows += len(item[0].messages)
            await self._flush(batch)

    async def _flush(self, batch: list[tuple[WriteSet, asyncio.Future[None]]]) -> None:
        try:
            async with self.db.begin() as conn:
                await write_sets(conn, [ws for ws, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch[0][1], exc)
            else:
                log.info("group commit of %d failed (%s); retrying one by one", len(batch), exc)
                await self._one_by_one(batch)
            return
        for _, fut in batch:
            _settle(fut, None)

    async def _one_by_one(self, batch: list[tuple[WriteSet, asyncio.Future[None]]]) -> None:
        for ws, fut in batch:
            try:
                async with self.db.begin() as conn:
                    await write_sets(conn, [ws])
            except Exception as exc:
                _settle(fut, exc)
            else:
                _settle(fut, None)


def _settle(fut: asyncio.Future[None], exc: BaseException | None) -> None:
    if fut.done():  # the waiting request was cancelled (client went away)
        return
    if exc is None:
        fut.set_result(None)
    else:
        fut.set_exception(exc)
