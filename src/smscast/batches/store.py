"""What batches keep in the database: the uploaded file cut into parts, row errors, and the
messages a part becomes (COPY on PostgreSQL, multi-row INSERT on SQLite).

An upload is stored in the transaction that creates (or updates) its batch, so a refused file
leaves nothing behind. A part is about PART_CHARS of whole records, UTF-8, one record per
line; a line break inside a quoted field is stored as CR (the reader turned every CR into LF,
so CR is free), and a record too long to keep as NUL followed by its length.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO, cast

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from smscast.batches.csvfile import TooLong, decode_blocks, record_lists, split_fields
from smscast.batches.models import BATCH_ERRORS, BATCH_PARTS, BATCHES
from smscast.batches.rows import TOO_LONG, CopyLayout, PartResult, RowError
from smscast.contacts.importer import NUMBER_HEADERS
from smscast.messages.models import EVENTS, MESSAGES

__all__ = [
    "PART_CHARS",
    "StoredFile",
    "copy_rows",
    "insert_errors",
    "insert_rows",
    "layout_of",
    "lock_batch",
    "store_file",
]

PART_CHARS = 1 << 20
MESSAGE_HEADERS = frozenset({"message", "text", "body", "content", "sms", "msg"})


@dataclass(frozen=True, slots=True)
class StoredFile:
    charset: str
    bytes: int
    rows: int
    parts: int
    layout: dict[str, Any]


def layout_of(record: str, row: int) -> dict[str, Any]:
    """Where the columns are. The first non-blank row is a header when its first cell holds
    no digit ("number,message", "phone,text"); columns are then found by name."""
    try:
        fields = split_fields(record)
    except ValueError:
        fields = [record]
    if any(c.isdigit() for c in fields[0]):
        return {"header": None, "number": 0, "message": 1}
    names = [f.strip().lower().replace(" ", "").replace("_", "") for f in fields]
    number = next((i for i, n in enumerate(names) if n in NUMBER_HEADERS), 0)
    message = next((i for i, n in enumerate(names) if n in MESSAGE_HEADERS), None)
    if message is None:
        message = 1 if number != 1 else 0
    return {"header": row, "number": number, "message": message}


async def store_file(
    conn: AsyncConnection, batch_id: uuid.UUID, stream: BinaryIO, *, max_bytes: int | None
) -> StoredFile:
    """Replace the batch's file with `stream`: FileRefused (nothing stored) if it is not text."""
    await conn.execute(delete(BATCH_PARTS).where(BATCH_PARTS.c.batch_id == batch_id))
    decoded = decode_blocks(stream, max_bytes=max_bytes)
    buf: list[str] = []
    size = seq = 0
    first_row = 1
    layout: dict[str, Any] | None = None

    async def flush() -> None:
        nonlocal buf, size, seq, first_row
        if not buf:
            return
        await conn.execute(
            insert(BATCH_PARTS),
            {
                "batch_id": batch_id,
                "seq": seq,
                "first_row": first_row,
                "rows": len(buf),
                "data": "\n".join(buf).encode(),
                "done": False,
            },
        )
        seq += 1
        first_row += len(buf)
        buf, size = [], 0

    for chunk, plain in record_lists(decoded):
        if layout is None:
            for i, record in enumerate(chunk):
                if isinstance(record, str) and record.strip():
                    layout = layout_of(record, first_row + len(buf) + i)
                    break
        for record in chunk:
            text: str
            if plain:  # a line without quotes: stored as it is
                text = cast(str, record)
            elif isinstance(record, TooLong):
                text = f"{TOO_LONG}{record.chars}"
            else:
                text = record.replace("\n", "\r") if "\n" in record else record
            buf.append(text)
            size += len(text) + 1
            if size >= PART_CHARS:
                await flush()
    await flush()
    rows = first_row - 1
    return StoredFile(
        decoded.charset,
        decoded.bytes_read,
        rows,
        seq,
        layout or {"header": None, "number": 0, "message": 1},
    )


async def lock_batch(conn: AsyncConnection, batch_id: uuid.UUID, seq: int | None) -> str:
    """Read the batch's status so that no pause or cancel commits until this transaction
    does: FOR SHARE on PostgreSQL (parts written side by side share it); on SQLite, a first
    write takes the database's one write lock."""
    query = select(BATCHES.c.status).where(BATCHES.c.id == batch_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(read=True)
    elif seq is not None:
        await conn.execute(
            update(BATCH_PARTS)
            .where(BATCH_PARTS.c.batch_id == batch_id, BATCH_PARTS.c.seq == seq)
            .values(done=BATCH_PARTS.c.done)
        )
    else:
        await conn.execute(
            update(BATCHES).where(BATCHES.c.id == batch_id).values(status=BATCHES.c.status)
        )
    return str(await conn.scalar(query))


async def insert_errors(
    conn: AsyncConnection, batch_id: uuid.UUID, errors: Sequence[RowError]
) -> None:
    if not errors:
        return
    if conn.dialect.name == "postgresql":
        bid = str(batch_id)
        lines = "".join(
            f"{bid}\t{row}\t{_t(col)}\t{_t(code)}\t{_t(reason)}\t{_t(value)}\n"
            for row, col, code, reason, value in errors
        )
        await _copy(
            conn,
            "batch_errors",
            ["batch_id", "row", "column", "code", "reason", "value"],
            io.BytesIO(lines.encode()),
        )
        return
    rows = [
        {"batch_id": batch_id, "row": r, "column": c, "code": k, "reason": why, "value": v}
        for r, c, k, why, v in errors
    ]
    for start in range(0, len(rows), 2000):
        await conn.execute(insert(BATCH_ERRORS), rows[start : start + 2000])


async def copy_rows(
    conn: AsyncConnection, layout: CopyLayout, part: PartResult, keep: list[int] | None
) -> None:
    """Write messages and their first events with COPY (PostgreSQL): the lines of `keep`
    (all when None), straight from the part's blobs."""
    await _copy(conn, "messages", layout.columns, _lines(part.blob, part.ends, keep))
    await _copy(
        conn, "message_events", layout.event_columns, _lines(part.event_blob, part.event_ends, keep)
    )


def _lines(blob: bytes, ends: Sequence[int], keep: list[int] | None) -> Any:
    if keep is None:
        return io.BytesIO(blob)

    async def chunks() -> AsyncIterator[bytes]:
        view = memoryview(blob)
        start = stop = -1
        for i in keep:  # consecutive kept lines go out as one slice
            a, b = (ends[i - 1] if i else 0), ends[i]
            if a == stop:
                stop = b
                continue
            if stop > start >= 0:
                yield bytes(view[start:stop])
            start, stop = a, b
        if stop > start >= 0:
            yield bytes(view[start:stop])

    return chunks()


async def insert_rows(
    conn: AsyncConnection, messages: list[dict[str, Any]], events: list[dict[str, Any]]
) -> None:
    """Write messages and their events with multi-row INSERTs."""
    for start in range(0, len(messages), 2000):
        await conn.execute(insert(MESSAGES), messages[start : start + 2000])
        await conn.execute(insert(EVENTS), events[start : start + 2000])


async def _copy(conn: AsyncConnection, table: str, columns: list[str], source: Any) -> None:
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    await driver.copy_to_table(table, source=source, columns=columns, format="text")


def _t(value: object) -> str:
    if value is None:
        return "\\N"
    text = str(value)
    for a, b in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
        if a in text:
            text = text.replace(a, b)
    return text
