"""Batches: create from a CSV file, a template and lists, or a manual message; update while
CREATED; VALIDATE, SCHEDULE, pause, resume, cancel; progress, counters and errors.

VALIDATE runs in the request (CREATED -> VALIDATING -> CREATED) so the errors are there when
it answers. SCHEDULE answers at once (SCHEDULED); a task of this process writes the messages
(PROCESSING) under a lease that it renews, and `run_pending` picks up a batch whose process
died. A batch whose messages all reached a final state is DELIVERED (checked when read).

Pausing moves the batch's queued and scheduled messages to `held`, a status the dispatch
worker never claims (it claims queued and scheduled only), so no worker change is needed;
resuming puts them back. Cancelling cancels them.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, insert, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from smscast.accounts.service import Principal
from smscast.batches.models import BATCH_ERRORS, BATCH_PARTS, BATCHES
from smscast.batches.processor import Processor, Progress, Stopped, Totals
from smscast.batches.schemas import MANUAL_MAX_CHARS, BatchFields
from smscast.batches.states import ACTIVE, check_transition, check_updatable
from smscast.batches.stats import message_counts
from smscast.batches.store import store_file
from smscast.campaigns.models import CAMPAIGNS
from smscast.campaigns.states import SENDABLE
from smscast.contacts.service import ContactService
from smscast.db import Database, new_id, utcnow
from smscast.errors import (
    Conflict,
    FieldError,
    InvalidRequest,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from smscast.messages.models import EVENTS, MESSAGES
from smscast.messages.service import decode_cursor, encode_cursor
from smscast.senders.models import SENDERS
from smscast.senders.service import unusable_reason
from smscast.templates.models import TEMPLATES

__all__ = ["BatchService", "Upload", "batch_out", "safe_cell"]

log = logging.getLogger(__name__)

B = BATCHES
Items = list[dict[str, Any]]
LEASE = timedelta(seconds=60)
_OPEN_MESSAGES = ("queued", "scheduled", "held")
# Row errors the processor decides with the whole batch in view, not row by row.
BATCH_DECIDED = ("duplicate", "opted_out", "not_subscribed")
_NOT_FINAL = ("accepted", "queued", "scheduled", "held", "sending", "sent")


@dataclass(frozen=True, slots=True)
class Upload:
    stream: BinaryIO
    name: str | None


def safe_cell(value: object) -> str:
    """A cell a spreadsheet will not run: text starting with = + - @ (or tab, CR) gets a
    leading apostrophe (OWASP's advice against CSV injection)."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def batch_out(b: Any, counts: dict[str, Any], parts: tuple[int, int]) -> dict[str, Any]:
    """A batch row as the API shows it, with its counters and progress."""
    done, total = parts
    return {
        "id": b.id,
        "campaign_id": b.campaign_id,
        "external_id": b.external_id,
        "description": b.description,
        "operation_type": b.operation_type,
        "message": b.message,
        "template_id": b.template_id,
        "list_ids": [str(x) for x in b.list_ids or []],
        "sender_id": b.sender_id,
        "sender_contacts": b.sender_contacts,
        "shortlink": b.shortlink,
        "charset": b.charset,
        "file": {"name": b.file_name, "bytes": b.file_bytes, "rows": b.file_rows}
        if b.file_name is not None or b.file_bytes
        else None,
        "start_date": b.start_date.isoformat() if b.start_date else None,
        "end_date": b.end_date.isoformat() if b.end_date else None,
        "start_time": b.start_time.isoformat() if b.start_time else None,
        "end_time": b.end_time.isoformat() if b.end_time else None,
        "status": b.status,
        "error": b.error,
        "counts": counts,
        "progress": {"parts": total, "parts_done": done},
        "created_at": b.created_at,
        "updated_at": b.updated_at,
        "validated_at": b.validated_at,
        "scheduled_at": b.scheduled_at,
        "finished_at": b.finished_at,
    }


class BatchService:
    def __init__(
        self,
        db: Database,
        processor: Processor,
        contacts: ContactService,
        *,
        max_file_bytes: int | None = None,
    ):
        self.db = db
        self.processor = processor
        self.contacts = contacts
        self.max_file_bytes = max_file_bytes
        self.owner = f"batches-{uuid.uuid4().hex[:12]}"
        self._tasks: dict[uuid.UUID, asyncio.Task[None]] = {}

    # -- create and update -----------------------------------------------------------------

    async def create(
        self, principal: Principal, fields: BatchFields, upload: Upload | None
    ) -> dict[str, Any]:
        """Create a CREATED batch (and store its file); then VALIDATE or SCHEDULE if asked."""
        now = utcnow()
        values = fields.model_dump(exclude={"action"}, exclude_none=True)
        values.setdefault("operation_type", "CSV_FILE")
        row: dict[str, Any] = {
            "id": new_id(),
            "account_id": principal.account_id,
            "campaign_id": None,
            "description": "",
            "list_ids": [],
            "sender_contacts": False,
            "shortlink": False,
            "status": "CREATED",
            "created_at": now,
            "updated_at": now,
            **values,
        }
        row["list_ids"] = [str(x) for x in row["list_ids"]]
        async with self.db.begin() as conn:
            await self._check(conn, principal, row, has_file=upload is not None)
            await conn.execute(insert(B), row)
            if upload is not None:
                await self._store(conn, row["id"], upload)
        if fields.action is not None:
            return await self.act(principal, row["id"], fields.action)
        return await self.get(principal, row["id"])

    async def update(
        self, principal: Principal, batch_id: uuid.UUID, fields: BatchFields, upload: Upload | None
    ) -> dict[str, Any]:
        """Change a CREATED batch (409 otherwise); a file replaces the old one."""
        values = {k: getattr(fields, k) for k in fields.model_fields_set if k != "action"}
        if "list_ids" in values:
            values["list_ids"] = [str(x) for x in values["list_ids"] or []]
        async with self.db.begin() as conn:
            old = await self._row(conn, principal, batch_id, lock=True)
            check_updatable(old.status)
            merged = {**dict(old._mapping), **values}
            has_file = upload is not None or old.file_rows > 0 or old.file_bytes > 0
            await self._check(conn, principal, merged, has_file=has_file)
            values["updated_at"] = utcnow()
            await conn.execute(update(B).where(B.c.id == batch_id).values(**values))
            if upload is not None:
                await self._store(conn, batch_id, upload)
        if fields.action is not None:
            return await self.act(principal, batch_id, fields.action)
        return await self.get(principal, batch_id)

    async def editable(self, principal: Principal, batch_id: uuid.UUID) -> None:
        """NotFound, or Conflict unless the batch is CREATED (checked before a body is read)."""
        async with self.db.begin() as conn:
            check_updatable((await self._row(conn, principal, batch_id)).status)

    async def replace_file(
        self, principal: Principal, batch_id: uuid.UUID, upload: Upload
    ) -> dict[str, Any]:
        async with self.db.begin() as conn:
            old = await self._row(conn, principal, batch_id, lock=True)
            check_updatable(old.status)
            if old.operation_type != "CSV_FILE":
                raise Conflict("Only a CSV_FILE batch has a file.", code="batch-has-no-file")
            await conn.execute(update(B).where(B.c.id == batch_id).values(updated_at=utcnow()))
            await self._store(conn, batch_id, upload)
        return await self.get(principal, batch_id)

    async def _store(self, conn: AsyncConnection, batch_id: uuid.UUID, upload: Upload) -> None:
        stored = await store_file(conn, batch_id, upload.stream, max_bytes=self.max_file_bytes)
        await conn.execute(BATCH_ERRORS.delete().where(BATCH_ERRORS.c.batch_id == batch_id))
        await conn.execute(
            update(B)
            .where(B.c.id == batch_id)
            .values(
                file_name=(upload.name or "upload.csv")[:255],
                file_bytes=stored.bytes,
                file_rows=stored.rows,
                charset=stored.charset,
                layout=stored.layout,
                validated_at=None,
                checked_for=None,
                **Totals().values(),
                estimated_cost=None,
            )
        )

    async def _check(
        self, conn: AsyncConnection, principal: Principal, b: dict[str, Any], *, has_file: bool
    ) -> None:
        """The rules a batch must follow to be saved; ValidationFailed lists every break."""
        errors: list[FieldError] = []

        def bad(field: str, code: str, message: str) -> None:
            errors.append({"field": field, "code": code, "message": message})

        acc = principal.account_id
        if b.get("campaign_id") is None:
            bad("campaign_id", "missing", "a batch belongs to a campaign")
        elif not await _owned(conn, CAMPAIGNS, b["campaign_id"], acc):
            bad("campaign_id", "unknown_campaign", str(b["campaign_id"]))
        op = b["operation_type"]
        if op == "CSV_FILE" and not has_file:
            bad("file", "missing", "a CSV_FILE batch needs a file")
        if op == "MESSAGE_TEMPLATE":
            if b.get("template_id") is None:
                bad("template_id", "missing", "a MESSAGE_TEMPLATE batch needs a template")
            elif not await _owned(conn, TEMPLATES, b["template_id"], acc):
                bad("template_id", "unknown_template", str(b["template_id"]))
        if op == "MANUAL_MESSAGE_INPUT":
            message = b.get("message") or ""
            if not message.strip():
                bad("message", "missing", "a MANUAL_MESSAGE_INPUT batch needs a message")
            elif len(message) > MANUAL_MAX_CHARS:
                bad("message", "string_too_long", f"at most {MANUAL_MAX_CHARS} characters")
        if b.get("sender_id") is not None and not await _owned(conn, SENDERS, b["sender_id"], acc):
            bad("sender_id", "unknown_sender", str(b["sender_id"]))
        if op != "CSV_FILE":
            if not b.get("list_ids") and not b.get("sender_contacts"):
                bad("list_ids", "missing", "name recipient lists or use the sender's contacts")
            if b.get("sender_contacts") and b.get("sender_id") is None:
                bad("sender_contacts", "missing_sender", "sender_contacts needs a sender_id")
            if b.get("list_ids"):
                try:
                    await self.contacts.check_lists(
                        conn, principal, [uuid.UUID(str(x)) for x in b["list_ids"]]
                    )
                except ValidationFailed as exc:
                    errors.extend(exc.errors)
        _check_window(b, principal, errors)
        if errors:
            raise ValidationFailed("The batch is not valid.", errors)

    # -- actions ---------------------------------------------------------------------------

    async def act(
        self,
        principal: Principal,
        batch_id: uuid.UUID,
        action: str,
        *,
        progress: Progress | None = None,
        background: bool = True,
    ) -> dict[str, Any]:
        """VALIDATE (in this call) or SCHEDULE (in a task unless `background` is False)."""
        if action == "VALIDATE":
            await self._validate(principal, batch_id, progress)
        elif action == "SCHEDULE":
            await self._schedule(principal, batch_id)
            if background:
                self.start(batch_id)
            else:
                await self.process(batch_id, progress=progress)
        else:
            raise InvalidRequest(f"Unknown action {action!r}.", code="invalid-action")
        return await self.get(principal, batch_id)

    async def _validate(
        self, principal: Principal, batch_id: uuid.UUID, progress: Progress | None
    ) -> None:
        async with self.db.begin() as conn:
            b = await self._row(conn, principal, batch_id, lock=True)
            check_transition(b.status, "VALIDATING")
            await self._check(conn, principal, dict(b._mapping), has_file=b.file_rows > 0)
            await conn.execute(BATCH_ERRORS.delete().where(BATCH_ERRORS.c.batch_id == batch_id))
            await self._move(
                conn,
                batch_id,
                "VALIDATING",
                lease_owner=self.owner,
                lease_until=utcnow() + LEASE,
                checked_for=None,
            )
        try:
            async with self._leased(batch_id):
                totals = await self.processor.run(batch_id, "validate", progress=progress)
        except Stopped:
            return
        except BaseException:
            async with self.db.begin() as conn:
                await self._move(
                    conn, batch_id, "CREATED", when="VALIDATING", lease_owner=None, lease_until=None
                )
            raise
        async with self.db.begin() as conn:
            await self._move(
                conn,
                batch_id,
                "CREATED",
                when="VALIDATING",
                **totals.values(),
                estimated_cost=totals.cost,
                validated_at=utcnow(),
                lease_owner=None,
                lease_until=None,
            )

    async def _schedule(self, principal: Principal, batch_id: uuid.UUID) -> None:
        async with self.db.begin() as conn:
            b = await self._row(conn, principal, batch_id, lock=True)
            check_transition(b.status, "SCHEDULED")
            await self._check(conn, principal, dict(b._mapping), has_file=b.file_rows > 0)
            await self._check_sendable(conn, b)
            P = BATCH_PARTS
            await conn.execute(P.delete().where(P.c.batch_id == batch_id, P.c.data.is_(None)))
            await conn.execute(
                update(P)
                .where(P.c.batch_id == batch_id)
                .values(done=False, cost=None, **Totals().values())
            )
            # Row errors stay while VALIDATE's verdicts may be reused (the processor drops them
            # when they are not); what depends on the whole batch is decided again.
            await conn.execute(
                BATCH_ERRORS.delete().where(
                    BATCH_ERRORS.c.batch_id == batch_id, BATCH_ERRORS.c.code.in_(BATCH_DECIDED)
                )
            )
            await self._move(conn, batch_id, "SCHEDULED", scheduled_at=utcnow())

    async def _check_sendable(self, conn: AsyncConnection, b: Any) -> None:
        campaign = (
            await conn.execute(select(CAMPAIGNS).where(CAMPAIGNS.c.id == b.campaign_id))
        ).one()
        if campaign.status not in SENDABLE:
            raise Conflict(
                f"The campaign is {campaign.status}: its batches cannot be scheduled.",
                code="campaign-not-sendable",
            )
        sender_id = b.sender_id or campaign.default_sender_id
        if sender_id is not None:
            sender = (await conn.execute(select(SENDERS).where(SENDERS.c.id == sender_id))).one()
            reason = unusable_reason(sender, utcnow())
            if reason is not None:
                raise ValidationFailed(
                    "The sender cannot send.",
                    [{"field": "sender_id", "code": "sender_not_usable", "message": reason}],
                )

    async def pause(self, principal: Principal, batch_id: uuid.UUID) -> dict[str, Any]:
        """Stop the batch: its queued and scheduled messages are held until it resumes."""
        async with self.db.begin() as conn:
            b = await self._row(conn, principal, batch_id, lock=True)
            check_transition(b.status, "PAUSED")
            await self._move(conn, batch_id, "PAUSED", lease_owner=None, lease_until=None)
            await _move_messages(conn, batch_id, ("queued", "scheduled"), "held", "batch paused")
        return await self.get(principal, batch_id)

    async def resume(self, principal: Principal, batch_id: uuid.UUID) -> dict[str, Any]:
        async with self.db.begin() as conn:
            b = await self._row(conn, principal, batch_id, lock=True)
            if b.status != "PAUSED":  # CREATED -> SCHEDULED is allowed, but is no resume
                raise InvalidTransition(f"Only a PAUSED batch resumes; this one is {b.status}.")
            target = "PROCESSING" if b.processed_at is not None else "SCHEDULED"
            check_transition(b.status, target)
            await self._check_sendable(conn, b)
            await self._move(conn, batch_id, target)
            await _move_messages(conn, batch_id, ("held",), None, "batch resumed")
        if target == "SCHEDULED":
            self.start(batch_id)
        return await self.get(principal, batch_id)

    async def cancel(self, principal: Principal, batch_id: uuid.UUID) -> dict[str, Any]:
        """Cancel the batch and every message of it not yet sent."""
        async with self.db.begin() as conn:
            b = await self._row(conn, principal, batch_id, lock=True)
            check_transition(b.status, "CANCELLED")
            now = utcnow()
            await self._move(
                conn, batch_id, "CANCELLED", finished_at=now, lease_owner=None, lease_until=None
            )
            await _move_messages(conn, batch_id, _OPEN_MESSAGES, "canceled", "batch cancelled")
        return await self.get(principal, batch_id)

    async def _move(
        self,
        conn: AsyncConnection,
        batch_id: uuid.UUID,
        status: str,
        *,
        when: str | None = None,
        **values: Any,
    ) -> bool:
        """Set the status (and `values`), only from `when` if given; tell whether it moved."""
        query = update(B).where(B.c.id == batch_id)
        if when is not None:
            query = query.where(B.c.status == when)
        result = await conn.execute(query.values(status=status, updated_at=utcnow(), **values))
        return bool(result.rowcount)

    # -- the processing task ---------------------------------------------------------------

    def start(self, batch_id: uuid.UUID) -> None:
        """Process a SCHEDULED batch in a task of this process."""
        task = self._tasks.get(batch_id)
        if task is not None and not task.done():
            return
        self._tasks[batch_id] = asyncio.create_task(
            self._guarded(batch_id), name=f"batch-{batch_id}"
        )

    async def _guarded(self, batch_id: uuid.UUID) -> None:
        try:
            await self.process(batch_id)
        except Exception:
            log.exception("batch %s failed", batch_id)

    async def wait(self, batch_id: uuid.UUID) -> None:
        """Wait for this process's task on the batch, if any (tests, CLI)."""
        task = self._tasks.get(batch_id)
        if task is not None:
            await asyncio.shield(task)

    async def process(self, batch_id: uuid.UUID, *, progress: Progress | None = None) -> None:
        """Claim the batch (SCHEDULED, or PROCESSING with an expired lease) and write its
        messages; FAILED if that breaks or no row can be sent."""
        if not await self._claim(batch_id):
            return
        try:
            async with self._leased(batch_id):
                totals = await self.processor.run(batch_id, "schedule", progress=progress)
        except Stopped:
            return
        except Exception as exc:
            async with self.db.begin() as conn:
                await self._move(
                    conn,
                    batch_id,
                    "FAILED",
                    when="PROCESSING",
                    error=f"processing failed: {exc}"[:1000],
                    finished_at=utcnow(),
                    lease_owner=None,
                    lease_until=None,
                )
            raise
        now = utcnow()
        values: dict[str, Any] = {
            **totals.values(),
            "processed_at": now,
            "lease_owner": None,
            "lease_until": None,
        }
        async with self.db.begin() as conn:
            if totals.valid == 0:
                await self._move(
                    conn,
                    batch_id,
                    "FAILED",
                    when="PROCESSING",
                    **values,
                    error="no row could be sent",
                    finished_at=now,
                )
            else:
                await conn.execute(
                    update(B)
                    .where(B.c.id == batch_id, B.c.status.in_(("PROCESSING", "PAUSED")))
                    .values(updated_at=now, **values)
                )

    async def _claim(self, batch_id: uuid.UUID) -> bool:
        now = utcnow()
        async with self.db.begin() as conn:
            result = await conn.execute(
                update(B)
                .where(
                    B.c.id == batch_id,
                    or_(
                        B.c.status == "SCHEDULED",
                        and_(
                            B.c.status == "PROCESSING",
                            B.c.processed_at.is_(None),
                            or_(B.c.lease_until.is_(None), B.c.lease_until < now),
                        ),
                    ),
                )
                .values(
                    status="PROCESSING",
                    lease_owner=self.owner,
                    lease_until=now + LEASE,
                    updated_at=now,
                )
            )
        return bool(result.rowcount)

    @contextlib.asynccontextmanager
    async def _leased(self, batch_id: uuid.UUID) -> AsyncIterator[None]:
        """Renew this process's lease on the batch while the block runs."""
        beat = asyncio.create_task(self._heartbeat(batch_id))
        try:
            yield
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat

    async def _heartbeat(self, batch_id: uuid.UUID) -> None:
        while True:
            await asyncio.sleep(LEASE.total_seconds() / 3)
            async with self.db.begin() as conn:
                await conn.execute(
                    update(B)
                    .where(B.c.id == batch_id, B.c.lease_owner == self.owner)
                    .values(lease_until=utcnow() + LEASE)
                )

    async def run_pending(self) -> int:
        """Pick up batches whose processor died: VALIDATING ones go back to CREATED, the
        others are processed again from their first part not done. Returns how many."""
        now = utcnow()
        async with self.db.begin() as conn:
            await conn.execute(
                update(B)
                .where(B.c.status == "VALIDATING", B.c.lease_until < now)
                .values(status="CREATED", lease_owner=None, lease_until=None, updated_at=now)
            )
            ids = (
                (
                    await conn.execute(
                        select(B.c.id).where(
                            or_(
                                and_(
                                    B.c.status == "SCHEDULED",
                                    or_(B.c.lease_until.is_(None), B.c.lease_until < now),
                                ),
                                and_(
                                    B.c.status == "PROCESSING",
                                    B.c.processed_at.is_(None),
                                    or_(B.c.lease_until.is_(None), B.c.lease_until < now),
                                ),
                            )
                        )
                    )
                )
                .scalars()
                .all()
            )
        for batch_id in ids:
            self.start(batch_id)
        return len(ids)

    async def close(self) -> None:
        for task in self._tasks.values():
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        self._tasks.clear()
        await self.processor.close()

    # -- reading ---------------------------------------------------------------------------

    async def get(self, principal: Principal, batch_id: uuid.UUID) -> dict[str, Any]:
        async with self.db.begin() as conn:
            b = await self._row(conn, principal, batch_id)
            b = await self._settle(conn, b)
            counts = await self._counts(conn, b)
            parts = await _parts(conn, batch_id)
        return batch_out(b, counts, parts)

    async def list(
        self,
        principal: Principal,
        *,
        cursor: str | None,
        limit: int,
        campaign_id: uuid.UUID | None = None,
        status: str | None = None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        conds = [B.c.account_id == principal.account_id]
        if cursor:
            conds.append(B.c.id < decode_cursor(cursor))
        if campaign_id is not None:
            conds.append(B.c.campaign_id == campaign_id)
        if status is not None:
            conds.append(B.c.status == status)
        query = select(B).where(*conds).order_by(B.c.id.desc()).limit(limit + 1)
        async with self.db.begin() as conn:
            rows = (await conn.execute(query)).all()
        items = [batch_out(r, _stored_counts(r), (0, 0)) for r in rows[:limit]]
        next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
        return items, next_cursor

    async def errors(
        self, principal: Principal, batch_id: uuid.UUID, *, after: int, limit: int
    ) -> tuple[Items, int | None]:
        """Row errors in row order; `after` is the `next` of the previous page."""
        E = BATCH_ERRORS
        async with self.db.begin() as conn:
            await self._row(conn, principal, batch_id)
            rows = (
                await conn.execute(
                    select(E)
                    .where(E.c.batch_id == batch_id, E.c.row > after)
                    .order_by(E.c.row, E.c.id)
                    .limit(limit + 1)
                )
            ).all()
        # Rows never split across pages: a row with several errors stays on one.
        page = rows[:limit]
        nxt = None
        if len(rows) > limit:
            last = page[-1].row
            page = [r for r in page if r.row < last] or page
            nxt = page[-1].row
        return [_error_out(r) for r in page], nxt

    async def errors_csv(self, principal: Principal, batch_id: uuid.UUID) -> AsyncIterator[bytes]:
        """The row errors as CSV (row,column,code,reason,value), safe to open in a spreadsheet."""
        async with self.db.begin() as conn:
            await self._row(conn, principal, batch_id)
        return self._csv_lines(batch_id)

    async def _csv_lines(self, batch_id: uuid.UUID) -> AsyncIterator[bytes]:
        E = BATCH_ERRORS
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(["row", "column", "code", "reason", "value"])
        yield buf.getvalue().encode()
        last = -1
        while True:
            async with self.db.begin() as conn:
                rows = (
                    await conn.execute(
                        select(E.c.id, E.c.row, E.c.column, E.c.code, E.c.reason, E.c.value)
                        .where(E.c.batch_id == batch_id, E.c.id > last)
                        .order_by(E.c.id)
                        .limit(5000)
                    )
                ).all()
            if not rows:
                return
            buf.seek(0)
            buf.truncate()
            for r in sorted(rows, key=lambda r: (r.row, r.id)):
                writer.writerow(
                    [r.row, *(safe_cell(v) for v in (r.column, r.code, r.reason, r.value))]
                )
            last = rows[-1].id
            yield buf.getvalue().encode()

    async def _settle(self, conn: AsyncConnection, b: Any) -> Any:
        """A PROCESSING batch whose messages are all written and all final is DELIVERED."""
        if b.status != "PROCESSING" or b.processed_at is None:
            return b
        M = MESSAGES
        pending = await conn.scalar(
            select(literal(1)).where(M.c.batch_id == b.id, M.c.status.in_(_NOT_FINAL)).limit(1)
        )
        if pending:
            return b
        finished = await conn.scalar(select(func.max(M.c.done_at)).where(M.c.batch_id == b.id))
        await self._move(
            conn, b.id, "DELIVERED", when="PROCESSING", finished_at=finished or utcnow()
        )
        return (await conn.execute(select(B).where(B.c.id == b.id))).one()

    async def _counts(self, conn: AsyncConnection, b: Any) -> dict[str, Any]:
        counts = _stored_counts(b)
        if b.status in ACTIVE or (b.status == "PAUSED" and b.processed_at is None):
            P = BATCH_PARTS
            live = (
                await conn.execute(
                    select(
                        *(func.coalesce(func.sum(getattr(P.c, k)), 0) for k in _ROW_COUNTERS),
                    ).where(P.c.batch_id == b.id, P.c.done)
                )
            ).one()
            counts.update({k: int(v) for k, v in zip(_ROW_COUNTERS, live, strict=True)})
        if b.scheduled_at is not None:
            counts.update(await message_counts(conn, MESSAGES.c.batch_id == b.id))
        return counts

    async def _row(
        self,
        conn: AsyncConnection,
        principal: Principal,
        batch_id: uuid.UUID,
        *,
        lock: bool = False,
    ) -> Any:
        query = select(B).where(B.c.id == batch_id, B.c.account_id == principal.account_id)
        if lock and conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = (await conn.execute(query)).first()
        if row is None:
            raise NotFound("No such batch.")
        return row


_ROW_COUNTERS = ("total", "valid", "invalid", "duplicates", "opted_out", "segments")


def _stored_counts(b: Any) -> dict[str, Any]:
    return {
        "total": b.total,
        "valid": b.valid,
        "invalid": b.invalid,
        "duplicates": b.duplicates,
        "opted_out": b.opted_out,
        "segments": b.segments,
        "estimated_cost": None if b.estimated_cost is None else str(b.estimated_cost),
        "queued": 0,
        "sent": 0,
        "delivered": 0,
        "failed": 0,
        "expired": 0,
        "canceled": 0,
        "clicked": 0,
        "messages": 0,
        "cost": None,
    }


def _error_out(r: Any) -> dict[str, Any]:
    return {"row": r.row, "column": r.column, "code": r.code, "reason": r.reason, "value": r.value}


async def _parts(conn: AsyncConnection, batch_id: uuid.UUID) -> tuple[int, int]:
    P = BATCH_PARTS
    row = (
        await conn.execute(
            select(func.count(), func.count().filter(P.c.done)).where(P.c.batch_id == batch_id)
        )
    ).one()
    return int(row[1]), int(row[0])


async def _owned(conn: AsyncConnection, table: Any, ident: Any, account_id: uuid.UUID) -> bool:
    found = await conn.scalar(
        select(table.c.id).where(table.c.id == ident, table.c.account_id == account_id)
    )
    return found is not None


def _check_window(b: dict[str, Any], principal: Principal, errors: list[FieldError]) -> None:
    tz = principal.settings.get("timezone") or "UTC"
    try:
        today = datetime.now(ZoneInfo(tz)).date()
    except Exception:
        today = utcnow().date()
    start, end = b.get("start_date"), b.get("end_date")
    if start is not None and start < today:
        errors.append(
            {
                "field": "start_date",
                "code": "date_in_past",
                "message": f"{start.isoformat()} is before today ({today.isoformat()}, {tz})",
            }
        )
    if start is not None and end is not None and end < start:
        errors.append({"field": "end_date", "code": "before_start", "message": "before start_date"})
    if end is not None and end < today:
        errors.append({"field": "end_date", "code": "date_in_past", "message": "in the past"})
    st, et = b.get("start_time"), b.get("end_time")
    if st is not None and et is not None and st == et:
        errors.append(
            {
                "field": "end_time",
                "code": "empty_window",
                "message": "equals start_time; leave both out to send at any time",
            }
        )


async def _move_messages(
    conn: AsyncConnection,
    batch_id: uuid.UUID,
    from_statuses: tuple[str, ...],
    to_status: str | None,
    reason: str,
) -> None:
    """Move a batch's messages in `from_statuses` to `to_status` (None: back to queued, or
    scheduled when due later), with one event each. Atomic against the dispatch worker: on
    PostgreSQL the rows are locked first; SQLite has one writer."""
    M, now = MESSAGES, utcnow()
    new = _due_status(M, now) if to_status is None else literal(to_status)
    where = and_(M.c.batch_id == batch_id, M.c.status.in_(from_statuses))
    if conn.dialect.name == "postgresql":
        locked = select(M.c.id, M.c.status).where(where).with_for_update().cte("locked")
        moved = (
            update(M)
            .where(M.c.id == locked.c.id)
            .values(
                status=new, updated_at=now, **({"done_at": now} if to_status == "canceled" else {})
            )
            .returning(M.c.id, locked.c.status.label("old"), M.c.status.label("new"))
            .cte("moved")
        )
        await conn.execute(
            insert(EVENTS).from_select(
                ["message_id", "at", "from_status", "to_status", "reason"],
                select(
                    moved.c.id,
                    literal(now, type_=EVENTS.c.at.type),
                    moved.c.old,
                    moved.c.new,
                    literal(reason),
                ),
            )
        )
        return
    await conn.execute(
        insert(EVENTS).from_select(
            ["message_id", "at", "from_status", "to_status", "reason"],
            select(
                M.c.id, literal(now, type_=EVENTS.c.at.type), M.c.status, new, literal(reason)
            ).where(where),
        )
    )
    extra = {"done_at": now} if to_status == "canceled" else {}
    await conn.execute(update(M).where(where).values(status=new, updated_at=now, **extra))


def _due_status(M: Any, now: datetime) -> Any:
    """queued when due, scheduled when due later (as messages.timing decides at accept)."""
    return case((M.c.due_at > literal(now, type_=M.c.due_at.type), "scheduled"), else_="queued")
