"""Opt-out lists as CSV, in and out, safe against files that are not what they claim.

Export defuses spreadsheet formulas (OWASP "CSV injection"): a cell that starts with = + - @
or a tab/CR gets a leading apostrophe, so Excel and LibreOffice show it as text. A number
column holds only validated E.164 ("+" and digits), which no spreadsheet runs, so it is
written as is and the file round-trips. Import undoes that apostrophe, refuses binary
(NUL bytes, not UTF-8), and checks every row on its own.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from smscast.errors import FieldError, InvalidRequest
from smscast.numbers import InvalidNumber, normalise
from smscast.optouts.addresses import normalise_sender

__all__ = ["COLUMNS", "ImportRow", "Parsed", "format_rows", "parse"]

COLUMNS = ("number", "sender", "source", "detail", "opted_out_at")
MAX_ROWS = 200_000
MAX_DETAIL = 500
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_E164 = re.compile(r"^\+\d{6,15}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HEADER_WORDS = {"number", "phone", "msisdn", "to", "destination", "mobile"}


@dataclass(frozen=True, slots=True)
class ImportRow:
    line: int
    number: str
    sender: str
    detail: str


@dataclass(slots=True)
class Parsed:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)


def safe_cell(value: str) -> str:
    """A cell a spreadsheet shows as text, never evaluates."""
    if _E164.match(value):
        return value
    return "'" + value if value.startswith(_FORMULA_START) else value


def _unescape(value: str) -> str:
    if value.startswith("'") and value[1:].startswith(_FORMULA_START):
        return value[1:]
    return value


def format_rows(rows: Iterable[Iterable[Any]], *, header: bool = False) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if header:
        writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([safe_cell("" if v is None else str(v)) for v in row])
    return out.getvalue()


def decode(data: bytes) -> str:
    """The text of an uploaded CSV; InvalidRequest for anything that is not UTF-8 text."""
    if b"\x00" in data:
        raise InvalidRequest("The file is binary, not a CSV.", code="invalid-csv")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidRequest("The file is not UTF-8 text.", code="invalid-csv") from None
    if _CONTROL.search(text):
        raise InvalidRequest("The file holds control characters, not a CSV.", code="invalid-csv")
    return text


def parse(text: str, region: str) -> Parsed:
    """Rows `number[,sender[,detail]]`; with a header, columns are found by name (so an
    export imports as it is) and others are ignored."""
    parsed = Parsed()
    columns = (0, 1, 2)
    try:
        for line, cells in _rows(text):
            if line == 1 and _is_header(cells):
                columns = _columns([c.strip().lower() for c in cells])
                continue
            if line > MAX_ROWS:
                raise InvalidRequest(f"At most {MAX_ROWS} rows per import.", code="too-many-rows")
            picked = [_unescape(cells[i].strip()) if 0 <= i < len(cells) else "" for i in columns]
            _parse_row(parsed, line, picked, region)
    except csv.Error as exc:
        raise InvalidRequest(f"The CSV is malformed: {exc}.", code="invalid-csv") from None
    return parsed


def _is_header(cells: list[str]) -> bool:
    return cells[0].strip().lower() in _HEADER_WORDS


def _columns(names: list[str]) -> tuple[int, int, int]:
    number = next(i for i, n in enumerate(names) if n in _HEADER_WORDS)
    sender = names.index("sender") if "sender" in names else -1
    detail = names.index("detail") if "detail" in names else -1
    return number, sender, detail


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    for index, cells in enumerate(reader, start=1):
        if cells and any(c.strip() for c in cells):
            yield index, cells


def _parse_row(parsed: Parsed, line: int, cells: list[str], region: str) -> None:
    raw_number, sender, detail = cells
    try:
        number = normalise(raw_number, region)
    except InvalidNumber:
        parsed.errors.append(_error(line, "number", "invalid_number", "not a valid number"))
        return
    if sender:
        try:
            sender = normalise_sender(sender, region)
        except InvalidNumber:
            parsed.errors.append(_error(line, "sender", "invalid_sender", "not a sender"))
            return
    if len(detail) > MAX_DETAIL:
        parsed.errors.append(_error(line, "detail", "too_long", f"over {MAX_DETAIL} characters"))
        return
    parsed.rows.append(ImportRow(line, number, sender, detail))


def _error(line: int, column: str, code: str, message: str) -> FieldError:
    return {"field": f"rows[{line}].{column}", "code": code, "message": message, "row": line}
