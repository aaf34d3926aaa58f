"""Running a batch: VALIDATE checks every row and records its errors; SCHEDULE also writes
the messages. Both stream: one part (about 1 MB of rows, or a page of recipients) at a time.

For a CSV file the parts are checked in worker processes when there are many (the checks are
pure CPU: numbers, encodings, windows) while this process decides duplicates, opt-outs and
subscriptions in row order and writes each part in a transaction of its own, two at a time on
PostgreSQL (COPY), so both cores and the database work at once. A part's messages, errors
and counters commit together, with its `done` flag: a processor that dies leaves whole parts
behind, and the next run resumes at the first part not done. Memory is bounded by the parts
in flight and the numbers already seen (16 bytes a recipient, see IntSet).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import multiprocessing
import uuid
from array import array
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import orjson
import phonenumbers
from sqlalchemy import and_, delete, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from smscast.accounts.models import Account
from smscast.batches.models import BATCH_ERRORS, BATCH_PARTS, BATCHES
from smscast.batches.optouts import any_opted_out, opted_out_numbers
from smscast.batches.rows import (
    Checker,
    Context,
    CopyLayout,
    PartResult,
    Pricer,
    RowError,
    check_part,
    pack_checked,
)
from smscast.batches.store import copy_rows, insert_errors, insert_rows, lock_batch
from smscast.campaigns.models import CAMPAIGNS, SUBSCRIPTIONS
from smscast.contacts.models import CONTACTS, MEMBERS
from smscast.db import Database, utcnow
from smscast.encoding import unescape_newlines
from smscast.messages.models import MESSAGES
from smscast.messages.schemas import MAX_BODY_CHARS
from smscast.messages.service import accepted_event, message_row
from smscast.messages.timing import Timing
from smscast.numbers import sender_kind
from smscast.scheduling import Window
from smscast.senders.models import SENDER_CONTACTS, SENDERS
from smscast.senders.pricing import PricingService
from smscast.templates.models import TEMPLATES
from smscast.templates.render import Compiled, compile_body, render

__all__ = ["POOL_MIN_PARTS", "Processor", "Progress", "Stopped", "Totals"]

log = logging.getLogger(__name__)

POOL_MIN_PARTS = 8  # below this a pool costs more to start than it saves
PAGE = 5000  # recipients per part of a list batch
Progress = Callable[[int, int], None]  # (rows done, rows in all)


class Stopped(Exception):
    """The batch left the status the run needs (paused, cancelled) while it ran."""

    def __init__(self, status: str):
        super().__init__(status)
        self.status = status


@dataclass(slots=True)
class Totals:
    total: int = 0
    valid: int = 0
    invalid: int = 0
    duplicates: int = 0
    opted_out: int = 0
    segments: int = 0
    cost: Decimal | None = None

    def add(self, other: Totals) -> None:
        self.total += other.total
        self.valid += other.valid
        self.invalid += other.invalid
        self.duplicates += other.duplicates
        self.opted_out += other.opted_out
        self.segments += other.segments
        if other.cost is not None:
            self.cost = (self.cost or Decimal(0)) + other.cost

    def values(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "valid": self.valid,
            "invalid": self.invalid,
            "duplicates": self.duplicates,
            "opted_out": self.opted_out,
            "segments": self.segments,
        }


@dataclass(slots=True)
class _Decided:
    """A part after duplicates, opt-outs and subscriptions: what to write."""

    seq: int
    first_row: int
    rows: int
    cursor: str | None
    totals: Totals
    errors: list[RowError]
    copy: PartResult | None = None  # PostgreSQL: its COPY blobs, restricted to `keep`
    checked: bytes | None = None  # VALIDATE: the part's verdict, for SCHEDULE
    keep: list[int] | None = None  # None: every candidate
    messages: list[dict[str, Any]] = field(default_factory=list)
    first_events: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class _Run:
    batch: Any
    ctx: Context
    brand_id: uuid.UUID | None
    subscription_required: bool
    seen: IntSet
    progress: Progress | None
    pricer: Pricer | None = None  # prices that depend on the route: checked in this process
    fingerprint: str = ""  # what the rows' checks depend on (see _fingerprint)
    optouts: bool = True  # False: nobody opted out of the account when the run began
    done_rows: int = 0
    all_rows: int = 0


class Processor:
    def __init__(self, db: Database, pricing: PricingService, *, workers: int = 2):
        self.db = db
        self.pricing = pricing
        self.workers = workers
        self.pool_min_parts = POOL_MIN_PARTS
        self._pool: ProcessPoolExecutor | None = None

    async def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    async def run(
        self, batch_id: uuid.UUID, mode: str, *, progress: Progress | None = None
    ) -> Totals:
        """Validate or schedule a batch the caller has put in VALIDATING or PROCESSING."""
        run = await self._prepare(batch_id, mode, progress)
        if run.batch.operation_type == "CSV_FILE":
            totals = await self._csv(run)
        else:
            totals = await self._recipients(run)
        if mode == "schedule":  # parts done before a restart count too
            totals = await self._part_totals(batch_id)
        elif run.batch.operation_type == "CSV_FILE":
            async with self.db.begin() as conn:  # the parts' verdicts hold for this context
                await conn.execute(
                    update(BATCHES)
                    .where(BATCHES.c.id == batch_id, BATCHES.c.status == "VALIDATING")
                    .values(checked_for=run.fingerprint)
                )
        return totals

    # -- context ---------------------------------------------------------------------------

    async def _prepare(self, batch_id: uuid.UUID, mode: str, progress: Progress | None) -> _Run:
        async with self.db.begin() as conn:
            batch = (await conn.execute(select(BATCHES).where(BATCHES.c.id == batch_id))).one()
            account = (
                await conn.execute(
                    select(Account.default_region, Account.settings).where(
                        Account.id == batch.account_id
                    )
                )
            ).one()
            campaign = (
                await conn.execute(select(CAMPAIGNS).where(CAMPAIGNS.c.id == batch.campaign_id))
            ).one()
            sender, kind = await self._sender(conn, batch, campaign, account.settings or {})
            prices = await self.pricing.book(conn, batch.account_id)
            seen = IntSet(batch.file_rows or PAGE)
            if mode == "schedule" and await self._resuming(conn, batch_id):
                for n in (
                    await conn.execute(select(MESSAGES.c.to).where(MESSAGES.c.batch_id == batch_id))
                ).scalars():
                    seen.add(int(n[1:]))
        window = None
        if batch.start_date or batch.end_date or batch.start_time or batch.end_time:
            window = Window(
                date_from=batch.start_date,
                date_to=batch.end_date,
                daily_start=batch.start_time,
                daily_end=batch.end_time,
            )
        layout = batch.layout or {}
        now = utcnow()
        traffic = campaign.traffic
        copy = None
        if self.db.is_postgres:
            proto = Timing("queued", now, None, None, "accepted")
            copy = CopyLayout.of(
                message_row(
                    mid=uuid.uuid4(), account_id=batch.account_id, to="+10000000000",
                    sender=sender, body="x", encoding="GSM-7", segments=1, traffic=traffic,
                    timing=proto, now=now, campaign_id=batch.campaign_id, batch_id=batch.id,
                ),
                accepted_event(uuid.uuid4(), proto, now),
            )  # fmt: skip
        ctx = Context(
            run_id=uuid.uuid4().hex,
            mode=mode,
            region=account.default_region,
            settings=dict(account.settings or {}),
            traffic=traffic,
            window=window,
            now=now,
            sender=sender,
            sender_kind=kind,
            max_body=MAX_BODY_CHARS,
            prices=None if prices.empty or prices.router is not None else prices.table,
            layout=copy,
            number_col=layout.get("number", 0),
            message_col=layout.get("message", 1),
            header_row=layout.get("header"),
        )
        # The campaign's own rule, or the account's "Enforce Campaign Check" (smscast.optouts).
        subscribers_only = (
            campaign.subscription_required or ctx.settings.get("campaign_check") is True
        )
        run = _Run(batch, ctx, campaign.brand_id, subscribers_only, seen, progress)
        if not prices.empty and prices.router is not None:
            run.pricer = prices.per_segment
        run.fingerprint = _fingerprint(ctx, prices.table.prices, routed=run.pricer is not None)
        run.optouts = await any_opted_out(self.db, batch.account_id)
        return run

    async def _sender(
        self, conn: AsyncConnection, batch: Any, campaign: Any, settings: dict[str, Any]
    ) -> tuple[str | None, str | None]:
        sender_id = batch.sender_id or campaign.default_sender_id
        if sender_id is not None:
            row = (
                await conn.execute(
                    select(SENDERS.c.address, SENDERS.c.kind).where(SENDERS.c.id == sender_id)
                )
            ).one()
            return row.address, row.kind
        address = settings.get("default_sender")
        if not address:
            return None, None
        try:
            kind = sender_kind(address)
        except ValueError:
            kind = None
        return address, kind

    async def _resuming(self, conn: AsyncConnection, batch_id: uuid.UUID) -> bool:
        done = await conn.scalar(
            select(func.count()).where(BATCH_PARTS.c.batch_id == batch_id, BATCH_PARTS.c.done)
        )
        return bool(done)

    # -- CSV files -------------------------------------------------------------------------

    async def _csv(self, run: _Run) -> Totals:
        batch_id = run.batch.id
        async with self.db.begin() as conn:
            parts = (
                await conn.execute(
                    select(
                        BATCH_PARTS.c.seq,
                        BATCH_PARTS.c.first_row,
                        BATCH_PARTS.c.rows,
                        BATCH_PARTS.c.done,
                    )
                    .where(BATCH_PARTS.c.batch_id == batch_id)
                    .order_by(BATCH_PARTS.c.seq)
                )
            ).all()
        run.all_rows = sum(p.rows for p in parts)
        run.done_rows = sum(p.rows for p in parts if p.done and run.ctx.mode == "schedule")
        todo = [p for p in parts if not (run.ctx.mode == "schedule" and p.done)]
        reuse = run.ctx.mode == "schedule" and await self._reusable(run, todo)
        if run.ctx.mode == "schedule" and not reuse and not run.done_rows:
            async with self.db.begin() as conn:  # VALIDATE's errors are not this run's
                await conn.execute(delete(BATCH_ERRORS).where(BATCH_ERRORS.c.batch_id == batch_id))
        pooled = len(todo) >= self.pool_min_parts and run.pricer is None
        pool = self._get_pool() if pooled else None
        checker = Checker(run.ctx, run.pricer) if pool is None else None
        loop = asyncio.get_running_loop()
        writes = _Writes(2 if self.db.is_postgres and run.ctx.mode == "schedule" else 1)
        totals = Totals()
        checking: list[tuple[Any, asyncio.Future[PartResult]]] = []
        try:
            for part in todo:
                async with self.db.begin() as conn:
                    stored = (
                        await conn.execute(
                            select(BATCH_PARTS.c.data, BATCH_PARTS.c.checked).where(
                                BATCH_PARTS.c.batch_id == batch_id, BATCH_PARTS.c.seq == part.seq
                            )
                        )
                    ).one()
                data: bytes = stored.data or b""
                checked = stored.checked if reuse else None
                if pool is not None:
                    fut = loop.run_in_executor(
                        pool, check_part, run.ctx, data, part.first_row, checked
                    )
                else:
                    assert checker is not None
                    fut = asyncio.ensure_future(
                        asyncio.to_thread(checker.csv_part, data, part.first_row, checked)
                    )
                checking.append((part, fut))
                if len(checking) > (self.workers if pool is not None else 0):
                    await self._decide_and_write(run, writes, totals, *checking.pop(0))
            while checking:
                await self._decide_and_write(run, writes, totals, *checking.pop(0))
            await writes.drain()
        except BaseException:
            for _, fut in checking:
                fut.cancel()
            await writes.cancel()
            raise
        return totals

    async def _reusable(self, run: _Run, todo: list[Any]) -> bool:
        """Whether VALIDATE's verdicts on these parts still hold: same file (a new one clears
        them), same context (fingerprint), every part checked."""
        if not todo or run.batch.checked_for != run.fingerprint:
            return False
        P = BATCH_PARTS
        async with self.db.begin() as conn:
            missing = await conn.scalar(
                select(func.count()).where(
                    P.c.batch_id == run.batch.id,
                    P.c.seq.in_([p.seq for p in todo]),
                    P.c.checked.is_(None),
                )
            )
        return not missing

    async def _decide_and_write(
        self,
        run: _Run,
        writes: _Writes,
        totals: Totals,
        part: Any,
        fut: asyncio.Future[PartResult],
    ) -> None:
        result = await fut
        decided = await self._decide(run, part.seq, part.first_row, part.rows, None, result)
        totals.add(decided.totals)
        await writes.submit(self._write(run, decided))

    def _get_pool(self) -> ProcessPoolExecutor | None:
        if self.workers < 2:
            return None
        if self._pool is None:
            # spawn: a fork of a process with an event loop and DB connections is unsafe.
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn")
            )
        return self._pool

    # -- lists, templates and sender codes -------------------------------------------------

    async def _recipients(self, run: _Run) -> Totals:
        """A page of recipients at a time, in contact id order; resumes after the last page
        done."""
        body = await self._body(run.batch)
        where = _audience(run.batch)
        seq, cursor, first_row = await self._resume_point(run, where)
        checker = Checker(run.ctx, run.pricer)
        writes = _Writes(1)
        totals = Totals()
        try:
            while page := await self._page(where, cursor):
                result = PartResult(records=len(page), total=len(page))
                for row, c in enumerate(page, start=first_row):
                    text, missing = body({**(c.attributes or {}), "number": c.number})
                    if missing:
                        reason = f"the contact has no {', '.join(missing)}"
                        result.errors.append(
                            (row, missing[0], "missing_attribute", reason, c.number)
                        )
                        continue
                    checker.candidate(result, row, c.number, text, c.time_zone)
                checker.finish(result)
                cursor = str(page[-1].id)
                decided = await self._decide(run, seq, first_row, len(page), cursor, result)
                totals.add(decided.totals)
                await writes.submit(self._write(run, decided))
                seq += 1
                first_row += len(page)
            await writes.drain()
        except BaseException:
            await writes.cancel()
            raise
        return totals

    async def _body(self, batch: Any) -> Callable[[dict[str, Any]], tuple[str, list[str]]]:
        """What each recipient gets: the template rendered for them, or the manual message."""
        if batch.operation_type != "MESSAGE_TEMPLATE":
            manual = unescape_newlines(batch.message or "")
            return lambda _values: (manual, [])
        async with self.db.begin() as conn:
            tpl = (
                await conn.execute(select(TEMPLATES).where(TEMPLATES.c.id == batch.template_id))
            ).one()
        compiled: Compiled = compile_body(tpl.body, tpl.attributes or [])[0]
        return lambda values: render(compiled, values)

    async def _resume_point(self, run: _Run, where: Any) -> tuple[int, str | None, int]:
        """(next page's seq, the last contact id done, its first row), and the row counts."""
        P = BATCH_PARTS
        async with self.db.begin() as conn:
            run.all_rows = await conn.scalar(select(func.count()).where(where)) or 0
            if run.ctx.mode != "schedule":
                return 0, None, 1
            last = (
                await conn.execute(
                    select(P.c.seq, P.c.cursor, P.c.first_row, P.c.rows)
                    .where(P.c.batch_id == run.batch.id, P.c.done)
                    .order_by(P.c.seq.desc())
                    .limit(1)
                )
            ).first()
        if last is None:
            return 0, None, 1
        run.done_rows = last.first_row + last.rows - 1
        return last.seq + 1, last.cursor, last.first_row + last.rows

    async def _page(self, where: Any, cursor: str | None) -> list[Any]:
        query = select(
            CONTACTS.c.id, CONTACTS.c.number, CONTACTS.c.attributes, CONTACTS.c.time_zone
        ).where(where)
        if cursor is not None:
            query = query.where(CONTACTS.c.id > uuid.UUID(cursor))
        async with self.db.begin() as conn:
            return list((await conn.execute(query.order_by(CONTACTS.c.id).limit(PAGE))).all())

    # -- deciding and writing --------------------------------------------------------------

    async def _decide(
        self,
        run: _Run,
        seq: int,
        first_row: int,
        rows: int,
        cursor: str | None,
        result: PartResult,
    ) -> _Decided:
        """Drop duplicates (in row order), opted-out and unsubscribed numbers."""
        ctx = run.ctx
        numbers = [f"+{k}" for k in result.keys]
        opted: set[str] = set()
        if run.optouts:
            opted = await opted_out_numbers(self.db, run.batch.account_id, run.brand_id, numbers)
        subscribed = await self._subscribed(run, numbers)
        errors = list(result.errors)
        totals = Totals(total=result.total, invalid=len(errors) + result.reused_invalid)
        decided = _Decided(seq, first_row, rows, cursor, totals, errors)
        seen = run.seen
        keep: list[int] = []
        micros, priced = 0, False
        for i, key in enumerate(result.keys):
            if not seen.add(key):
                totals.duplicates += 1
                errors.append(
                    (result.rows[i], "number", "duplicate", "the number is on an earlier row",
                     numbers[i])
                )  # fmt: skip
                continue
            if opted and numbers[i] in opted:
                totals.opted_out += 1
                errors.append(
                    (result.rows[i], "number", "opted_out", "the number opted out", numbers[i])
                )
                continue
            if subscribed is not None and numbers[i] not in subscribed:
                totals.invalid += 1
                errors.append(
                    (result.rows[i], "number", "not_subscribed",
                     "the number is not subscribed to the campaign", numbers[i])
                )  # fmt: skip
                continue
            keep.append(i)
            totals.segments += result.segments[i]
            if result.costs[i] >= 0:
                micros += result.costs[i]
                priced = True
        totals.valid = len(keep)
        totals.cost = Decimal(micros).scaleb(-6) if priced else None
        errors.sort(key=lambda e: e[0])
        if ctx.mode == "validate" and run.batch.operation_type == "CSV_FILE":
            decided.checked = pack_checked(result)
        if ctx.mode == "schedule":
            if ctx.layout is not None:
                decided.copy = result
                decided.keep = None if len(keep) == len(result.keys) else keep
            else:
                for i in keep:
                    decided.messages.append(self._row(run, result, i))
                    decided.first_events.append(
                        accepted_event(result.ids[i], result.timings[i], ctx.now)
                    )
        return decided

    async def _subscribed(self, run: _Run, numbers: list[str]) -> set[str] | None:
        """The numbers subscribed to the campaign, if it requires a subscription."""
        if not run.subscription_required:
            return None
        if not numbers:
            return set()
        async with self.db.begin() as conn:
            return set(
                (
                    await conn.execute(
                        select(SUBSCRIPTIONS.c.number).where(
                            SUBSCRIPTIONS.c.campaign_id == run.batch.campaign_id,
                            SUBSCRIPTIONS.c.number.in_(set(numbers)),
                        )
                    )
                ).scalars()
            )

    def _row(self, run: _Run, r: PartResult, i: int) -> dict[str, Any]:
        ctx, b = run.ctx, run.batch
        return message_row(
            mid=r.ids[i],
            account_id=b.account_id,
            to=r.number(i),
            sender=ctx.sender,
            body=r.bodies[i],
            encoding=r.encodings[i],
            segments=r.segments[i],
            traffic=ctx.traffic,
            timing=r.timings[i],
            now=ctx.now,
            campaign_id=b.campaign_id,
            batch_id=b.id,
            cost=r.cost(i),
        )

    async def _write(self, run: _Run, d: _Decided) -> None:
        ctx = run.ctx
        expected = "PROCESSING" if ctx.mode == "schedule" else "VALIDATING"
        async with self.db.begin() as conn:
            if self.db.is_postgres:
                # A part's messages and its `done` flag commit together: losing the last
                # commits to a power cut means redoing those parts, never losing a message.
                await conn.execute(text("SET LOCAL synchronous_commit TO off"))
            file_part = run.batch.operation_type == "CSV_FILE"
            status = await lock_batch(conn, run.batch.id, d.seq if file_part else None)
            if status != expected:
                raise Stopped(status)
            if d.copy is not None and (d.keep is None or d.keep):
                layout = ctx.layout
                assert layout is not None
                await copy_rows(conn, layout, d.copy, d.keep)
            elif d.messages:
                await insert_rows(conn, d.messages, d.first_events)
            await insert_errors(conn, run.batch.id, d.errors)
            if ctx.mode == "schedule":
                await self._mark_done(conn, run.batch.id, d, file_part)
            elif d.checked is not None:
                await conn.execute(
                    update(BATCH_PARTS)
                    .where(BATCH_PARTS.c.batch_id == run.batch.id, BATCH_PARTS.c.seq == d.seq)
                    .values(checked=d.checked)
                )
        run.done_rows += d.rows
        if run.progress is not None:
            run.progress(run.done_rows, run.all_rows)

    async def _mark_done(
        self, conn: AsyncConnection, batch_id: uuid.UUID, d: _Decided, file_part: bool
    ) -> None:
        values = {**d.totals.values(), "cost": d.totals.cost, "done": True}
        if file_part:
            await conn.execute(
                update(BATCH_PARTS)
                .where(BATCH_PARTS.c.batch_id == batch_id, BATCH_PARTS.c.seq == d.seq)
                .values(**values)
            )
        else:
            await conn.execute(
                BATCH_PARTS.insert(),
                {
                    "batch_id": batch_id,
                    "seq": d.seq,
                    "first_row": d.first_row,
                    "rows": d.rows,
                    "data": None,
                    "cursor": d.cursor,
                    **values,
                },
            )

    async def _part_totals(self, batch_id: uuid.UUID) -> Totals:
        P = BATCH_PARTS
        async with self.db.begin() as conn:
            r = (
                await conn.execute(
                    select(
                        func.coalesce(func.sum(P.c.total), 0),
                        func.coalesce(func.sum(P.c.valid), 0),
                        func.coalesce(func.sum(P.c.invalid), 0),
                        func.coalesce(func.sum(P.c.duplicates), 0),
                        func.coalesce(func.sum(P.c.opted_out), 0),
                        func.coalesce(func.sum(P.c.segments), 0),
                        func.sum(P.c.cost),
                    ).where(P.c.batch_id == batch_id, P.c.done)
                )
            ).one()
        total, valid, invalid, duplicates, opted_out, segments = (int(v) for v in r[:6])
        cost = None if r[6] is None else Decimal(r[6])
        return Totals(total, valid, invalid, duplicates, opted_out, segments, cost)


def _fingerprint(ctx: Context, prices: dict[tuple[str, str], Decimal], *, routed: bool) -> str:
    """What a row's checks depend on besides its own text and the time: if this is the same
    at SCHEDULE as it was at VALIDATE, VALIDATE's verdicts hold (due times are worked out
    again). The phonenumbers version counts: its metadata decides what a valid number is."""
    basis = {
        "region": ctx.region,
        "settings": ctx.settings,
        "traffic": ctx.traffic,
        "window": ctx.window.to_json() if ctx.window else None,
        "sender": [ctx.sender, ctx.sender_kind],
        "max_body": ctx.max_body,
        "columns": [ctx.number_col, ctx.message_col, ctx.header_row],
        "prices": sorted([c, k, str(v)] for (c, k), v in prices.items()),
        "routed": routed,
        "phonenumbers": phonenumbers.__version__,
    }
    return hashlib.sha256(
        orjson.dumps(basis, option=orjson.OPT_SORT_KEYS, default=str)
    ).hexdigest()[:40]


def _audience(batch: Any) -> Any:
    """The contacts a list batch sends to: members of its lists (any of them) and/or the
    contacts assigned to its sender (both: those in both)."""
    conds = [CONTACTS.c.account_id == batch.account_id]
    list_ids = [uuid.UUID(str(x)) for x in batch.list_ids or []]
    if list_ids:
        conds.append(
            CONTACTS.c.id.in_(select(MEMBERS.c.contact_id).where(MEMBERS.c.list_id.in_(list_ids)))
        )
    if batch.sender_contacts and batch.sender_id is not None:
        conds.append(
            CONTACTS.c.id.in_(
                select(SENDER_CONTACTS.c.contact_id).where(
                    SENDER_CONTACTS.c.sender_id == batch.sender_id
                )
            )
        )
    if len(conds) == 1:
        conds.append(or_(False))  # no audience named: nobody (the service refuses this)
    return and_(*conds)


class IntSet:
    """A set of positive ints in one array, 8 bytes a slot at most half full: a million
    E.164 numbers (as ints) in 16 MB, where a Python set of ints takes ~90 MB."""

    def __init__(self, expected: int):
        size = 1 << max(10, (2 * expected).bit_length())
        self._table = array("q", bytes(8 * size))
        self._mask = size - 1
        self._count = 0

    def add(self, key: int) -> bool:
        """Add `key` (> 0); tell whether it was new."""
        table, mask = self._table, self._mask
        i = (key * 0x9E3779B97F4A7C15 >> 24) & mask  # Fibonacci hashing: keys are dense
        while True:
            found = table[i]
            if found == key:
                return False
            if found == 0:
                table[i] = key
                self._count += 1
                if 2 * self._count > mask:
                    self._grow()
                return True
            i = (i + 1) & mask

    def _grow(self) -> None:
        old = [k for k in self._table if k]
        size = 2 * len(self._table)
        self._table, self._mask, self._count = array("q", bytes(8 * size)), size - 1, 0
        for key in old:
            self.add(key)

    def __len__(self) -> int:
        return self._count


class _Writes:
    """At most `limit` part transactions at once; the first failure stops the rest."""

    def __init__(self, limit: int):
        self.limit = limit
        self.active: set[asyncio.Task[None]] = set()

    async def submit(self, coro: Any) -> None:
        try:
            while len(self.active) >= self.limit:
                await self._wait_one()
        except BaseException:
            coro.close()  # an earlier part failed: this one never starts
            raise
        self.active.add(asyncio.ensure_future(coro))

    async def _wait_one(self) -> None:
        done, self.active = await asyncio.wait(self.active, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()  # raise the first failure

    async def drain(self) -> None:
        while self.active:
            await self._wait_one()

    async def cancel(self) -> None:
        for task in self.active:
            task.cancel()
        await asyncio.gather(*self.active, return_exceptions=True)
        self.active.clear()
