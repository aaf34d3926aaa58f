"""Checking batch rows. Pure CPU, no I/O: this is what worker processes run, one stored part
at a time, so it imports nothing heavy (no SQLAlchemy, no pydantic): a worker costs ~30 MB.

Every row becomes a candidate message or an error (row, column, code, reason, value). The
rules are the native API's: numbers by `smscast.numbers` (through the fast path of
`batches.numbers`), bodies by `smscast.encoding`, due times and windows by
`smscast.messages.timing.plan`. The processor decides what needs the whole batch or the
database (duplicates, opt-outs, subscriptions) and builds rows with
`smscast.messages.service.message_row`; on PostgreSQL the workers already render the COPY
lines, in the column layout the processor derived from `message_row` (`CopyLayout`).

`plan` is dear (~100 us) and depends on a recipient only through its zones and country, so
it runs once per (zones, country) pair of a batch: a few hundred times for a million rows.
"""

from __future__ import annotations

import uuid
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import uuid_utils
import uuid_utils.compat as uuid_compat

from smscast.batches.csvfile import split_fields
from smscast.batches.numbers import InvalidNumber, Recipient, recipient
from smscast.encoding import Analysis, analyze, smart_encode, unescape_newlines
from smscast.lib.jsonx import dumps, loads
from smscast.messages.timing import NoSendWindow, Timing, plan
from smscast.scheduling import Window
from smscast.senders.countries import alphanumeric_allowed
from smscast.senders.prices import PriceTable

__all__ = [
    "TOO_LONG",
    "Checker",
    "Context",
    "CopyLayout",
    "PartResult",
    "RowError",
    "check_part",
    "copy_text",
    "pack_checked",
    "unpack_checked",
]

# A stored record that was too long to keep: this marker, then its length (see store).
TOO_LONG = "\x00"
# Columns of a message row that differ between the rows of one batch run, in COPY order:
# the last four come from the row's Timing, the three before from its body.
VARIABLE = (
    "id", "to", "cost", "body", "encoding", "segments", "status", "window", "due_at", "expires_at",
)  # fmt: skip
EVENT_VARIABLE = ("message_id", "to_status", "reason")

RowError = tuple[int, str | None, str, str, str | None]  # row, column, code, reason, value


@dataclass(frozen=True, slots=True)
class CopyLayout:
    """COPY text columns of messages and their first events, from a prototype row
    (`message_row`, `accepted_event`): first the columns that differ between rows, then
    those that do not, rendered once into `suffix`; columns NULL for the whole batch are
    left out (they have no server default: NULL either way)."""

    columns: list[str]
    suffix: str
    event_columns: list[str]
    event_suffix: str

    @classmethod
    def of(cls, message: dict[str, Any], event: dict[str, Any]) -> CopyLayout:
        missing = set(VARIABLE) - set(message) | set(EVENT_VARIABLE) - set(event)
        assert not missing, f"message_row no longer has {missing}"
        const = [c for c, v in message.items() if c not in VARIABLE and v is not None]
        event_const = [c for c, v in event.items() if c not in EVENT_VARIABLE and v is not None]
        return cls(
            [*VARIABLE, *const],
            "".join("\t" + copy_text(message[c]) for c in const) + "\n",
            [*EVENT_VARIABLE, *event_const],
            "".join("\t" + copy_text(event[c]) for c in event_const) + "\n",
        )


@dataclass(frozen=True, slots=True)
class Context:
    """What every row of one batch run shares. Pickled to worker processes."""

    run_id: str  # new for every run: worker caches are keyed by it
    mode: str  # "validate" or "schedule"
    region: str
    settings: dict[str, Any]  # the account's (time zone, quiet hours, smart encoding)
    traffic: str
    window: Window | None
    now: datetime
    sender: str | None
    sender_kind: str | None
    max_body: int
    prices: PriceTable | None  # None: no prices, or they depend on the route (see Checker)
    layout: CopyLayout | None  # PostgreSQL: render COPY lines
    number_col: int = 0
    message_col: int = 1
    header_row: int | None = None

    @property
    def default_zone(self) -> str:
        return str(self.settings.get("timezone") or "UTC")


def _ints() -> array[int]:
    return array("q")


@dataclass(slots=True)
class PartResult:
    """Candidates (parallel arrays) and errors of one part.

    Compact on purpose: a part of ~10,000 rows crosses from a worker process as a handful of
    arrays and, on PostgreSQL, two blobs of COPY text with the end offset of each line, not
    as ~100,000 small objects (unpickling those cost the main process more than the checks).
    """

    records: int = 0
    total: int = 0
    errors: list[RowError] = field(default_factory=list)
    rows: array[int] = field(default_factory=_ints)
    keys: array[int] = field(default_factory=_ints)  # E.164 digits as an int
    segments: array[int] = field(default_factory=_ints)
    costs: array[int] = field(default_factory=_ints)  # micro-units; -1: no price
    # validate mode: each candidate's (zones, country), an index into `zone_table`
    zone_ids: array[int] = field(default_factory=_ints)
    zone_table: list[tuple[tuple[str, ...], str | None]] = field(default_factory=list)
    reused_invalid: int = 0  # schedule from VALIDATE's verdict: its row errors, already stored
    # schedule mode on PostgreSQL: COPY text of the messages and of their first events
    blob: bytes = b""
    ends: array[int] = field(default_factory=_ints)
    event_blob: bytes = b""
    event_ends: array[int] = field(default_factory=_ints)
    # schedule mode elsewhere: what the rows are built from
    ids: list[uuid.UUID] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)
    encodings: list[str] = field(default_factory=list)
    timings: list[Timing] = field(default_factory=list)

    def number(self, i: int) -> str:
        return f"+{self.keys[i]}"

    def cost(self, i: int) -> Decimal | None:
        micros = self.costs[i]
        return None if micros < 0 else Decimal(micros).scaleb(-6)


Pricer = Callable[[str, str | None, str | None], Decimal | None]  # (to, sender, country)


class Checker:
    """Checks rows of one batch run; keeps its memos between parts. `pricer` overrides
    `ctx.prices` where a price depends on the connector the routes pick (in-process only)."""

    def __init__(self, ctx: Context, pricer: Pricer | None = None):
        self.ctx = ctx
        self.pricer = pricer
        self.default_zone = ctx.default_zone
        self._zone_index: dict[tuple[tuple[ZoneInfo, ...], str | None], int] = {}
        self.timings: dict[tuple[tuple[ZoneInfo, ...], str | None], Timing | str] = {}
        self.analyses: dict[str, tuple[str, Analysis, str]] = {}
        self.prices: dict[str | None, Decimal | None] = {}
        self.copy = _CopyLines(ctx.layout) if ctx.layout and ctx.mode == "schedule" else None

    def csv_part(self, data: bytes, first_row: int, checked: bytes | None = None) -> PartResult:
        """Check the records of one stored part; with VALIDATE's verdict on them (`checked`),
        only what may have changed since (due times, prices) is worked out again."""
        if checked is not None:
            return self.finish(self._reuse(data, first_row, checked))
        return self.finish(self._csv(data, first_row))

    def _reuse(self, data: bytes, first_row: int, checked: bytes) -> PartResult:
        ctx = self.ctx
        out = PartResult()
        rows, keys, zone_ids, table, invalid = unpack_checked(checked)
        out.reused_invalid = invalid
        zones = [
            (tuple(ZoneInfo(n) for n in names), country) for names, country in table
        ]  # ZoneInfo instances are cached: the same objects as recipient() returns
        j, count = 0, len(rows)
        for row, record in enumerate(_records(data), start=first_row):
            out.records += 1
            if not record or record.isspace() or row == ctx.header_row:
                continue
            out.total += 1
            if j >= count or rows[j] != row:
                continue  # an error VALIDATE recorded, kept as it was
            if "\r" in record:
                record = record.replace("\r", "\n")
            fields = split_fields(record)
            text = fields[ctx.message_col] if ctx.message_col < len(fields) else ""
            rcpt_zones, country = zones[zone_ids[j]]
            rcpt = Recipient(f"+{keys[j]}", country, rcpt_zones)
            self._accept(out, row, rcpt, unescape_newlines(text), None)
            j += 1
        return out

    def _zone_id(self, out: PartResult, rcpt: Recipient) -> int:
        key = (rcpt.zones, rcpt.country)
        index = self._zone_index.get(key)
        if index is None:
            out.zone_table.append((tuple(z.key for z in rcpt.zones), rcpt.country))
            index = self._zone_index[key] = len(out.zone_table) - 1
        return index

    def finish(self, out: PartResult) -> PartResult:
        """Seal a part whose candidates were added one by one (moves its COPY text in)."""
        if self.copy is not None:
            self.copy.seal(out)
        self._zone_index.clear()  # zone tables are per part
        return out

    def _csv(self, data: bytes, first_row: int) -> PartResult:
        ctx = self.ctx
        out = PartResult()
        ncol, mcol = ctx.number_col, ctx.message_col
        for row, record in enumerate(_records(data), start=first_row):
            out.records += 1
            if not record or record.isspace() or row == ctx.header_row:
                continue
            out.total += 1
            if record[0] == TOO_LONG:
                out.errors.append(
                    (row, None, "line_too_long", f"the row is {record[1:]} characters long", None)
                )
                continue
            if "\r" in record:  # a line break inside quotes, as stored
                record = record.replace("\r", "\n")
            try:
                fields = split_fields(record)
            except ValueError:
                out.errors.append(
                    (row, None, "malformed_quotes", "a quote is left open or text follows one",
                     record[:100])
                )  # fmt: skip
                continue
            if len(fields) > 2 and any(
                f.strip() for i, f in enumerate(fields) if i != ncol and i != mcol
            ):
                out.errors.append(
                    (row, None, "too_many_columns",
                     f"{len(fields)} columns where number,message was expected (quote a "
                     "message that holds commas)", None)
                )  # fmt: skip
                continue
            raw = fields[ncol] if ncol < len(fields) else ""
            text = fields[mcol] if mcol < len(fields) else ""
            self.candidate(out, row, raw, unescape_newlines(text), None)
        return out

    def candidate(
        self, out: PartResult, row: int, raw: str, body: str, contact_zone: str | None
    ) -> None:
        """Check one recipient and body; add a candidate or an error to `out`."""
        ctx = self.ctx
        if not raw.strip():
            out.errors.append((row, "number", "missing_number", "the number is empty", None))
            return
        if not body.strip():
            out.errors.append((row, "message", "missing_message", "the message is empty", None))
            return
        if len(body) > ctx.max_body:
            out.errors.append(
                (row, "message", "message_too_long",
                 f"{len(body)} characters where at most {ctx.max_body} are allowed", body[:100])
            )  # fmt: skip
            return
        try:
            rcpt = recipient(raw, ctx.region, self.default_zone)
        except InvalidNumber as exc:
            out.errors.append((row, "number", "invalid_number", str(exc), raw[:64]))
            return
        self._accept(out, row, rcpt, body, contact_zone)

    def _accept(
        self, out: PartResult, row: int, rcpt: Recipient, body: str, contact_zone: str | None
    ) -> None:
        """The checks that depend on the recipient; add the candidate to `out`."""
        ctx = self.ctx
        if ctx.sender_kind == "alphanumeric" and not alphanumeric_allowed(rcpt.country):
            out.errors.append(
                (row, "number", "sender_not_allowed",
                 f"an alphanumeric sender cannot send to {rcpt.country or 'this country'}",
                 rcpt.e164)
            )  # fmt: skip
            return
        timing = self._timing(rcpt, contact_zone)
        if isinstance(timing, str):
            out.errors.append((row, None, "no_send_window", timing, rcpt.e164))
            return
        sent, info, text = self._analysis(body)
        cost = self._cost(rcpt, info.segments)
        out.rows.append(row)
        out.keys.append(int(rcpt.e164[1:]))
        out.segments.append(info.segments)
        out.costs.append(-1 if cost is None else int(cost.scaleb(6)))
        if ctx.mode != "schedule":
            out.zone_ids.append(self._zone_id(out, rcpt))
            return
        # Time-ordered ids, as smscast.db.new_id makes them.
        if self.copy is not None:
            cost_text = "\\N" if cost is None else str(cost)
            self.copy.add(str(uuid_utils.uuid7()), rcpt.e164, cost_text, text, timing)
        else:
            out.ids.append(uuid_compat.uuid7())
            out.bodies.append(sent)
            out.encodings.append(info.encoding)
            out.timings.append(timing)

    def _timing(self, rcpt: Recipient, contact_zone: str | None) -> Timing | str:
        zones = (ZoneInfo(contact_zone),) if contact_zone else rcpt.zones
        key = (zones, rcpt.country)
        found = self.timings.get(key)
        if found is None:
            ctx = self.ctx
            try:
                found = plan(
                    ctx.settings, rcpt.e164, ctx.traffic, ctx.now, ctx.window,
                    contact_zone=contact_zone,
                )  # fmt: skip
            except NoSendWindow as exc:
                found = exc.reason
            self.timings[key] = found
        return found

    def _analysis(self, body: str) -> tuple[str, Analysis, str]:
        """The body as sent (smart encoding), its analysis, and its COPY text."""
        found = self.analyses.get(body)
        if found is None:
            sent = smart_encode(body) if self.ctx.settings.get("smart_encoding") else body
            info = analyze(sent)
            text = f"{_escape(sent)}\t{info.encoding}\t{info.segments}" if self.copy else ""
            found = (sent, info, text)
            if len(self.analyses) < 10_000:  # personalised bodies are all different
                self.analyses[body] = found
        return found

    def _cost(self, rcpt: Recipient, segments: int) -> Decimal | None:
        if self.pricer is not None:
            price = self.pricer(rcpt.e164, self.ctx.sender, rcpt.country)
        elif self.ctx.prices is None:
            return None
        else:
            if rcpt.country not in self.prices:
                self.prices[rcpt.country] = self.ctx.prices.per_segment(None, rcpt.country)
            price = self.prices[rcpt.country]
        return None if price is None else price * segments


def _records(data: bytes) -> Iterator[str]:
    text = data.decode("utf-8")
    return iter(text.split("\n")) if text else iter(())


class _CopyLines:
    """Renders the COPY lines of messages and their first events, part by part."""

    def __init__(self, layout: CopyLayout):
        self.suffix = layout.suffix
        self.event_suffix = layout.event_suffix
        self._timing_text: dict[int, tuple[Timing, str, str]] = {}
        self._lines: list[str] = []
        self._ends = array("q")
        self._events: list[str] = []
        self._event_ends = array("q")
        self._at = self._event_at = 0

    def add(self, sid: str, to: str, cost: str, body: str, timing: Timing) -> None:
        """Add one message: `cost` and `body` (body, encoding, segments) as COPY text."""
        t = self._timing_text.get(id(timing))
        if t is None or t[0] is not timing:
            t = self._timing_text[id(timing)] = (
                timing,
                "\t".join(
                    [timing.status, copy_text(timing.window), copy_text(timing.due_at),
                     copy_text(timing.expires_at)]
                ),
                "\t".join(
                    [timing.status,
                     copy_text(timing.reason if timing.status == "scheduled" else "accepted")]
                ),
            )  # fmt: skip
        line = f"{sid}\t{to}\t{cost}\t{body}\t{t[1]}{self.suffix}"
        event = f"{sid}\t{t[2]}{self.event_suffix}"
        self._lines.append(line)
        self._at += len(line) if line.isascii() else len(line.encode())
        self._ends.append(self._at)
        self._events.append(event)
        self._event_at += len(event) if event.isascii() else len(event.encode())
        self._event_ends.append(self._event_at)

    def seal(self, out: PartResult) -> None:
        """Move the lines added since the last seal into `out`."""
        out.blob, out.ends = "".join(self._lines).encode(), self._ends
        out.event_blob, out.event_ends = "".join(self._events).encode(), self._event_ends
        self._lines, self._ends, self._events, self._event_ends = [], array("q"), [], array("q")
        self._at = self._event_at = 0


def _escape(text: str) -> str:
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if "\t" in text:
        text = text.replace("\t", "\\t")
    if "\n" in text:
        text = text.replace("\n", "\\n")
    if "\r" in text:
        text = text.replace("\r", "\\r")
    return text


def copy_text(value: Any) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        return _escape(dumps(value).decode())
    return _escape(str(value))


def pack_checked(r: PartResult) -> bytes:
    """VALIDATE's verdict on a part, for SCHEDULE: the rows that passed the row checks
    (duplicates and opt-outs are decided again), their numbers and zones, and how many rows
    were row errors. A JSON header, then three arrays of 8-byte ints."""
    head = dumps({"n": len(r.rows), "invalid": len(r.errors), "zones": r.zone_table})
    body = r.rows.tobytes() + r.keys.tobytes() + r.zone_ids.tobytes()
    return len(head).to_bytes(4, "big") + head + body


def unpack_checked(
    blob: bytes,
) -> tuple[array[int], array[int], array[int], list[tuple[tuple[str, ...], str | None]], int]:
    size = int.from_bytes(blob[:4], "big")
    head = loads(blob[4 : 4 + size])
    n, at = head["n"], 4 + size
    rows, keys, zones = array("q"), array("q"), array("q")
    for a in (rows, keys, zones):
        a.frombytes(blob[at : at + 8 * n])
        at += 8 * n
    table = [(tuple(names), country) for names, country in head["zones"]]
    return rows, keys, zones, table, int(head["invalid"])


_CHECKERS: dict[str, Checker] = {}


def check_part(
    ctx: Context, data: bytes, first_row: int, checked: bytes | None = None
) -> PartResult:
    """Check one stored CSV part (the entry point of worker processes); the checker and its
    memos live as long as the run."""
    checker = _CHECKERS.get(ctx.run_id)
    if checker is None:
        _CHECKERS.clear()
        checker = _CHECKERS[ctx.run_id] = Checker(ctx)
    return checker.csv_part(data, first_row, checked)
