"""Contacts from a CSV file: a header names the columns; each row creates or updates one.

The `number` column is required (also read as phone, mobile, msisdn, to, destination);
`time_zone` (or timezone, tz) sets the contact's IANA zone; every other column is an
attribute (its header lowercased, spaces as underscores). Empty cells leave an attribute as
it was. Rows are written 1,000 at a time; a bad row is reported and skipped.
"""

from __future__ import annotations

import re
import uuid
from typing import Any, BinaryIO

from smscast.accounts.service import Principal
from smscast.batches.csvfile import TooLong, decode_blocks, records, split_fields
from smscast.contacts.schemas import ATTRIBUTE_KEY
from smscast.db import utcnow
from smscast.errors import ValidationFailed
from smscast.numbers import InvalidNumber, normalise
from smscast.scheduling.zones import zone

__all__ = ["NUMBER_HEADERS", "ZONE_HEADERS", "import_contacts"]

NUMBER_HEADERS = frozenset(
    {"number", "phone", "mobile", "msisdn", "to", "destination", "destinationnumber"}
)
ZONE_HEADERS = frozenset({"time_zone", "timezone", "tz"})
MAX_REPORTED = 1000
_PAGE = 1000


def _header(fields: list[str]) -> tuple[int, int | None, list[tuple[int, str]]]:
    """(number column, zone column, [(column, attribute key)]) or ValidationFailed."""
    names = [f.strip().lower().replace(" ", "_") for f in fields]
    number = next((i for i, n in enumerate(names) if n in NUMBER_HEADERS), None)
    if number is None:
        raise ValidationFailed(
            "The file needs a header with a number column.",
            [{"field": "file", "code": "missing_number_column", "message": ", ".join(names)[:200]}],
        )
    tz = next((i for i, n in enumerate(names) if n in ZONE_HEADERS), None)
    pattern = re.compile(ATTRIBUTE_KEY)
    bad = [n for i, n in enumerate(names) if i not in (number, tz) and not pattern.match(n)]
    if bad:
        raise ValidationFailed(
            "Some column names cannot be attribute names.",
            [{"field": "file", "code": "invalid_column", "message": b[:64]} for b in bad[:20]],
        )
    if len(names) > 50:
        raise ValidationFailed(
            "Too many columns.",
            [{"field": "file", "code": "too_many_columns", "message": "at most 50"}],
        )
    attrs = [(i, n) for i, n in enumerate(names) if i not in (number, tz)]
    return number, tz, attrs


async def import_contacts(
    service: Any, principal: Principal, stream: BinaryIO, list_id: uuid.UUID | None
) -> dict[str, Any]:
    """Import a CSV file; returns counts and the first errors (row, column, code, reason)."""
    counts = {"total": 0, "created": 0, "updated": 0, "invalid": 0}
    errors: list[dict[str, Any]] = []
    layout: tuple[int, int | None, list[tuple[int, str]]] | None = None
    page: dict[str, dict[str, Any]] = {}
    zones: dict[str, str | None] = {}

    def fail(row: int, column: str | None, code: str, reason: str) -> None:
        counts["invalid"] += 1
        if len(errors) < MAX_REPORTED:
            errors.append({"row": row, "column": column, "code": code, "reason": reason})

    async def flush() -> None:
        if not page:
            return
        async with service.db.begin() as conn:
            ids, created, updated = await service.upsert(
                conn, principal.account_id, page, merge=True, zones=zones
            )
            if list_id is not None:
                await service._add(conn, [list_id], list(ids.values()), utcnow())
        counts["created"] += created
        counts["updated"] += updated
        page.clear()
        zones.clear()

    for row, record in enumerate(records(decode_blocks(stream)), start=1):
        if isinstance(record, TooLong):
            if layout is None:
                raise ValidationFailed(
                    "The header is too long.",
                    [{"field": "file", "code": "line_too_long", "message": f"{record.chars}"}],
                )
            counts["total"] += 1
            fail(row, None, "line_too_long", f"the row is {record.chars} characters long")
            continue
        if not record.strip():
            continue
        try:
            fields = split_fields(record)
        except ValueError:
            if layout is None:
                raise ValidationFailed(
                    "The header is not valid CSV.",
                    [{"field": "file", "code": "malformed_quotes", "message": "header"}],
                ) from None
            counts["total"] += 1
            fail(row, None, "malformed_quotes", "a quote is not closed or text follows one")
            continue
        if layout is None:
            layout = _header(fields)
            continue
        counts["total"] += 1
        number_at, tz_at, attrs = layout
        raw = fields[number_at] if number_at < len(fields) else ""
        try:
            number = normalise(raw, principal.default_region)
        except InvalidNumber as exc:
            fail(row, "number", "invalid_number", str(exc))
            continue
        tz = fields[tz_at].strip() if tz_at is not None and tz_at < len(fields) else ""
        if tz:
            try:
                zone(tz)
            except ValueError:
                fail(row, "time_zone", "invalid_time_zone", f"unknown zone {tz[:64]!r}")
                continue
        values = {k: fields[i].strip() for i, k in attrs if i < len(fields) and fields[i].strip()}
        if any(len(v) > 500 for v in values.values()):
            fail(row, None, "attribute_too_long", "an attribute is longer than 500 characters")
            continue
        page.setdefault(number, {}).update(values)
        if tz:
            zones[number] = tz
        if len(page) >= _PAGE:
            await flush()
    if layout is None:
        raise ValidationFailed(
            "The file has no header.",
            [{"field": "file", "code": "missing_header", "message": "no rows"}],
        )
    await flush()
    return {**counts, "errors": errors}
