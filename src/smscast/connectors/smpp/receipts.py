"""Delivery receipts: parse them, and match their message ids to the ids we stored.

A receipt is a deliver_sm with esm_class 0x04 (or 0x20, an intermediate notification). Its
short_message usually holds the de-facto standard text of SMPP 3.4 appendix B:

    id:0A1B sub:001 dlvrd:001 submit date:2501311200 done date:2501311201 stat:DELIVRD err:000
    text:Hello

and it may carry TLVs: receipted_message_id (0x001E) and message_state (0x0427). When both are
present the TLVs win: they are typed, the text is free-form and carriers mangle it.

Matching ids. Carriers disagree with themselves: submit_sm_resp says "0000A1B" and the receipt
says "a1b", or "2587" (the same number in decimal; Jasmin's most reported bug). We reduce every
id to one canonical form (`normalise_id`: trimmed, lower-case, leading zeros stripped) and offer
the other reading of a number (`candidate_ids`: hex read as decimal and decimal read as hex).
The dispatcher stores `normalise_id(submit id)` and looks a receipt up by
`normalise_id(receipt id)` first, then by the rest of `candidate_ids(receipt id)`, within the
connector that sent it. Exact first matters: with sequential decimal ids, "16" read as hex is
"22", which may be another message of ours.

The ack window. smpp34 acks a deliver_sm (deliver_sm_resp, status 0) in its Rust core, as soon
as the PDU is queued for Python, before we have stored anything. A receipt is therefore lost
only if our process dies between that ack and the dispatcher's store, which writes receipts in
batches every `WorkerConfig.flush_s` (20 ms by default) plus the time of the write. Carriers do
not resend an acked receipt, so the affected messages stay "sent" until their expiry sweep;
that is the price of a library that does not let us ack after the commit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Protocol

from smscast.connectors.base import Receipt, ReceiptState

__all__ = [
    "TLV_MESSAGE_STATE",
    "TLV_NETWORK_ERROR_CODE",
    "TLV_RECEIPTED_MESSAGE_ID",
    "candidate_ids",
    "normalise_id",
    "parse_receipt",
    "state_from_stat",
]

TLV_RECEIPTED_MESSAGE_ID = 0x001E
TLV_NETWORK_ERROR_CODE = 0x0423
TLV_MESSAGE_STATE = 0x0427

_STAT_STATES: dict[str, ReceiptState] = {
    "delivrd": "delivered",
    "delivered": "delivered",
    "undeliv": "undelivered",
    "undelivered": "undelivered",
    "undeliverable": "undelivered",
    "expired": "expired",
    "rejectd": "rejected",
    "rejected": "rejected",
    "deleted": "unknown",
    "unknown": "unknown",
    "acceptd": "accepted",
    "accepted": "accepted",
    "enroute": "accepted",  # intermediate: the SMSC still holds it
}

# SMPP 3.4 section 5.2.28, message_state values.
_TLV_STATES: dict[int, ReceiptState] = {
    1: "accepted",  # ENROUTE
    2: "delivered",
    3: "expired",
    4: "unknown",  # DELETED
    5: "undelivered",
    6: "accepted",
    7: "unknown",
    8: "rejected",
}

# Keys are matched case-insensitively; "done date" also appears as "done_date" or "donedate".
_ID = re.compile(rb"(?i)(?:^|\s)id:\s*([^\s\x00:]+)(?![^\s\x00])")  # ids hold no ':'
_STAT = re.compile(rb"(?i)\bstat:\s*([a-z_]+)")
_ERR = re.compile(rb"(?i)\berr:\s*([0-9a-z]+)")
_DONE = re.compile(rb"(?i)\bdone[ _]?date:\s*(\d{10,12})")
_HEX = re.compile(r"[0-9a-f]+")
_DEC = re.compile(r"[0-9]+")


class TlvLike(Protocol):
    """What we read of an smpp34.Tlv."""

    @property
    def tag(self) -> int: ...
    @property
    def value(self) -> bytes: ...


def normalise_id(carrier_id: str) -> str:
    """Return the canonical form of a carrier message id: trimmed, lower-case, no leading zeros.

    "0000A1B" -> "a1b"; "000" -> "0"; "AbC-01" -> "abc-01". Applied to both sides of a match.
    """
    canonical = carrier_id.strip().strip("\x00").strip().lower().lstrip("0")
    if not canonical and carrier_id.strip().strip("\x00").strip():
        return "0"
    return canonical


def candidate_ids(carrier_id: str) -> set[str]:
    """Return every canonical id a carrier may have meant, the canonical form included.

    All decimal digits: also the hex reading as decimal and the decimal value in hex
    ("2587" -> {"2587", "9607", "a1b"}). Hex with a letter: also its decimal value
    ("0A1B" -> {"a1b", "2587"}). Anything else (uuids, ids with dashes): the canonical form only.
    Look up `normalise_id(carrier_id)` first; the others are a fallback.
    """
    canonical = normalise_id(carrier_id)
    out = {canonical}
    if not canonical or len(canonical) > 32:  # not a number a carrier would print both ways
        return out
    if _DEC.fullmatch(canonical):
        out.add(str(int(canonical, 16)))
        out.add(format(int(canonical), "x"))
    elif _HEX.fullmatch(canonical):
        out.add(str(int(canonical, 16)))
    return out


def state_from_stat(stat: str) -> ReceiptState:
    """Map a receipt's stat: word (any case) to our state; unknown words are "unknown"."""
    return _STAT_STATES.get(stat.strip().lower(), "unknown")


def parse_receipt(
    short_message: bytes, tlvs: Iterable[TlvLike] | Mapping[int, bytes] = ()
) -> Receipt | None:
    """Parse a delivery receipt from its text and TLVs; None when it names no message id.

    Never raises: carriers send anything, and one bad receipt must not stop the reader.
    """
    try:
        return _parse(short_message or b"", _tlv_map(tlvs))
    except Exception:  # defensive: malformed input must yield None, not kill a bind
        return None


def _tlv_map(tlvs: Iterable[TlvLike] | Mapping[int, bytes]) -> dict[int, bytes]:
    if type(tlvs) is dict:  # what the connector passes: skip the ABC check
        return tlvs
    if isinstance(tlvs, Mapping):
        return {int(tag): bytes(value) for tag, value in tlvs.items()}
    return {tlv.tag: bytes(tlv.value) for tlv in tlvs}


def _parse(text: bytes, tlvs: dict[int, bytes]) -> Receipt | None:
    carrier_id = _tlv_string(tlvs.get(TLV_RECEIPTED_MESSAGE_ID))
    if not carrier_id:
        found = _ID.search(text)
        carrier_id = found.group(1).decode("latin-1") if found else ""
    carrier_id = normalise_id(carrier_id)
    if not carrier_id:
        return None
    return Receipt(
        carrier_id=carrier_id,
        state=_state(text, tlvs.get(TLV_MESSAGE_STATE)),
        error_code=_error_code(text, tlvs.get(TLV_NETWORK_ERROR_CODE)),
        done_at=_done_at(text),
        raw=text.decode("latin-1"),
    )


def _tlv_string(value: bytes | None) -> str:
    if not value:
        return ""
    return value.split(b"\x00", 1)[0].decode("latin-1")


def _state(text: bytes, tlv: bytes | None) -> ReceiptState:
    if tlv and len(tlv) == 1 and tlv[0] in _TLV_STATES:
        return _TLV_STATES[tlv[0]]
    found = _STAT.search(text)
    return state_from_stat(found.group(1).decode("latin-1")) if found else "unknown"


def _error_code(text: bytes, tlv: bytes | None) -> str | None:
    # network_error_code: 1 octet network type, 2 octets error code (5.3.2.31).
    if tlv and len(tlv) == 3:
        code = int.from_bytes(tlv[1:3], "big")
        return f"{code:03d}" if code else None
    found = _ERR.search(text)
    if not found:
        return None
    code_text = found.group(1).decode("latin-1")
    return None if not code_text.strip("0") else code_text


def _done_at(text: bytes) -> datetime | None:
    found = _DONE.search(text)
    return _date(found.group(1)) if found else None


@lru_cache(maxsize=1024)  # receipts of one minute share their date: build it once
def _date(d: bytes) -> datetime | None:
    # YYMMDDhhmm[ss], read as UTC.
    try:
        return datetime(
            2000 + int(d[0:2]),
            int(d[2:4]),
            int(d[4:6]),
            int(d[6:8]),
            int(d[8:10]),
            int(d[10:12]) if len(d) == 12 else 0,
            tzinfo=UTC,
        )
    except ValueError:
        return None
