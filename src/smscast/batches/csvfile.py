"""Reading an uploaded CSV file safely: decode, refuse what is not text, cut into records.

A file is UTF-8 (with or without a BOM) or UTF-16 with a BOM. Anything else (invalid UTF-8,
a NUL byte, other control characters, UTF-32) is refused with `FileRefused` before a single
row is used, so a file is never half-imported. Records are whole CSV records: a quoted field
may hold line breaks. A record longer than MAX_RECORD_CHARS is not kept: it becomes a
`TooLong` marker, so a 10 MB line or a million columns cost a row error, not the memory.

The text is read in blocks, so a file of any size is read in bounded memory.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, cast

from smscast.errors import InvalidRequest

__all__ = [
    "MAX_RECORD_CHARS",
    "FileRefused",
    "Record",
    "TooLong",
    "decode_blocks",
    "record_lists",
    "records",
    "split_fields",
]

BLOCK = 1 << 20
# A valid row is a number (<= 32) and a message (<= 1,600 characters, doubled by quoting at
# worst): 16 KiB leaves room for attributes in contact imports without admitting monsters.
MAX_RECORD_CHARS = 16 * 1024
# Control characters a text file may not hold (tab, line feed and carriage return it may).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class FileRefused(InvalidRequest):
    """The upload is not a text file we read; nothing of it was used."""

    code = "file-refused"
    title = "File refused"


@dataclass(frozen=True, slots=True)
class TooLong:
    """A record over MAX_RECORD_CHARS; only its length is kept."""

    chars: int


Record = str | TooLong


def _charset(head: bytes) -> tuple[str, str, int]:
    """(decoder name, charset shown, BOM length) from the first bytes of a file."""
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise FileRefused("UTF-32 files are not supported: save the file as UTF-8.")
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", "UTF-8", 3
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le", "UTF-16", 2
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", "UTF-16", 2
    return "utf-8", "UTF-8", 0


class DecodedFile:
    """The text of an upload, block by block, checked as it goes.

    After iteration, `charset` says what the file was ("ASCII", "UTF-8" or "UTF-16") and
    `bytes_read` how big it was. Line ends come out as "\\n" whatever they were.
    """

    def __init__(self, stream: BinaryIO, *, max_bytes: int | None = None):
        self.stream = stream
        self.max_bytes = max_bytes
        self.charset = "ASCII"
        self.bytes_read = 0

    def __iter__(self) -> Iterator[str]:
        head = self.stream.read(BLOCK)
        if not head:
            raise FileRefused("The file is empty.")
        name, shown, bom = _charset(head[:4])
        if bom:
            self.charset = shown
        decoder = codecs.getincrementaldecoder(name)("strict")
        block, offset, pending_cr = head[bom:], bom, False
        while True:
            self.bytes_read += len(block) + (bom if offset == bom else 0)
            if self.max_bytes is not None and self.bytes_read > self.max_bytes:
                raise FileRefused(f"The file is larger than {self.max_bytes} bytes.")
            final = not block
            if shown == "UTF-8" and block.isascii() and self.charset == "ASCII":
                text = decoder.decode(block, final)
            else:
                self.charset = shown
                try:
                    text = decoder.decode(block, final)
                except UnicodeDecodeError as exc:
                    at = offset + exc.start
                    raise FileRefused(
                        f"The file is not valid {shown} (byte {at}): save it as UTF-8 text."
                    ) from None
            _check_text(text, offset)
            if pending_cr:
                text = "\r" + text
            pending_cr = text.endswith("\r") and not final
            if pending_cr:
                text = text[:-1]
            if "\r" in text:
                text = text.replace("\r\n", "\n").replace("\r", "\n")
            if text:
                yield text
            if final:
                return
            offset += len(block)
            block = self.stream.read(BLOCK)


def _check_text(text: str, offset: int) -> None:
    if "\x00" in text:
        raise FileRefused(
            "The file holds NUL bytes: it is binary, or UTF-16 without a byte order mark."
        )
    found = _CONTROL.search(text)
    if found is not None:
        bad = found.group()
        raise FileRefused(
            f"The file holds the control character U+{ord(bad):04X} (near byte {offset}): "
            "it is not a text file."
        )


def decode_blocks(stream: BinaryIO, *, max_bytes: int | None = None) -> DecodedFile:
    """The checked text of `stream`, block by block (see DecodedFile)."""
    return DecodedFile(stream, max_bytes=max_bytes)


def records(blocks: Iterable[str]) -> Iterator[Record]:
    """Whole CSV records, in order, blank ones included (they keep row numbers right).

    A record ends at a line feed outside quotes. A line over MAX_RECORD_CHARS is yielded as
    TooLong (its text dropped as it is read). A quote left open for MAX_RECORD_CHARS makes
    its first line a record of its own (one malformed row) and the lines after it are read
    again as records: a stray quote costs one row, not the rest of the file.
    """
    for chunk, _ in record_lists(blocks):
        yield from chunk


def record_lists(blocks: Iterable[str]) -> Iterator[tuple[list[Record], bool]]:
    """`records`, a block's worth at a time, each list with a flag: True when its records
    are all plain lines (no quote, no TooLong), which is most files and the fast path."""
    pending: deque[Record] = deque()
    source = _line_lists(blocks)
    for lines, plain in source:
        if plain and not pending:
            yield lines, True
            continue
        pending.extend(lines)
        out: list[Record] = []
        while pending:
            line = pending.popleft()
            if isinstance(line, TooLong) or line.count('"') % 2 == 0:
                out.append(line)
                continue
            parts, size, quotes, done = [line], len(line), line.count('"'), False
            while not done:
                if not pending:  # the record goes on in the next block
                    more = next(source, None)
                    if more is not None:
                        pending.extend(more[0])
                nxt = pending.popleft() if pending else None
                if nxt is None or isinstance(nxt, TooLong) or size + len(nxt) >= MAX_RECORD_CHARS:
                    if nxt is not None:
                        pending.appendleft(nxt)
                    pending.extendleft(reversed(parts[1:]))
                    out.append(parts[0])
                    break
                parts.append(nxt)
                size += len(nxt) + 1
                quotes += nxt.count('"')
                if quotes % 2 == 0:
                    out.append("\n".join(parts))
                    done = True
        yield out, False


def _line_lists(blocks: Iterable[str]) -> Iterator[tuple[list[Record], bool]]:
    """Physical lines, a block at a time; one over MAX_RECORD_CHARS becomes TooLong without
    being kept. The flag: no quote and no TooLong in the list."""
    carry = ""  # the unfinished last line of the previous block
    skipping = 0  # > 0: inside an over-long line, its length so far
    for block in blocks:
        pieces = block.split("\n")
        if not skipping and len(carry) + max(map(len, pieces)) <= MAX_RECORD_CHARS:
            head = pieces[0] = carry + pieces[0]
            carry = pieces.pop()
            if pieces:
                yield cast(list[Record], pieces), '"' not in block and '"' not in head
            continue
        out: list[Record] = []
        last = len(pieces) - 1
        for i, piece in enumerate(pieces):
            if skipping:
                skipping += len(piece)
            elif len(carry) + len(piece) > MAX_RECORD_CHARS:
                skipping, carry = len(carry) + len(piece), ""
            else:
                carry += piece
            if i == last:
                break
            if skipping:
                out.append(TooLong(skipping))
                skipping = 0
            else:
                out.append(carry)
                carry = ""
        yield out, False
    if skipping:
        yield [TooLong(skipping)], False
    elif carry:
        yield [carry], '"' not in carry


def split_fields(record: str) -> list[str]:
    """The fields of one record: a plain split when it has no quotes, else the csv module.

    Raise ValueError for malformed quoting (text after a closing quote, a quote left open).
    """
    if '"' not in record:
        return record.split(",")
    try:
        return next(csv.reader([record], strict=True))
    except (csv.Error, StopIteration):
        raise ValueError("malformed quotes") from None
