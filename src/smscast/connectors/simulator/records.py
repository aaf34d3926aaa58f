"""What the simulator saw: one record per submit_sm, and whole messages rebuilt from them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from smscast.encoding import decode, reassemble_udh

__all__ = ["SimMessage", "Submitted", "duplicates", "messages"]

ESM_UDHI = 0x40


@dataclass(slots=True)
class Submitted:
    """One submit_sm as received, and how the simulator answered it."""

    system_id: str  # of the session that sent it
    session_id: str
    source: str
    destination: str
    data_coding: int
    esm_class: int
    registered_delivery: int
    short_message: bytes
    message_payload: bytes | None  # the message_payload TLV, when short_message was empty
    message_id: str | None  # None unless accepted
    status: int  # command_status answered; -1 when never answered
    at: float  # time.time() on arrival
    ton_npi: tuple[int, int, int, int] = (0, 0, 0, 0)  # source TON, NPI, destination TON, NPI
    outcome: str | None = None  # receipt stat chosen (DELIVRD, ...), None when none asked

    @property
    def body(self) -> bytes:
        """The user data: short_message, or message_payload when that carried it."""
        return self.message_payload if self.message_payload is not None else self.short_message

    @property
    def concat(self) -> tuple[int, int, int] | None:
        """(reference, total, sequence) from the UDH, or None for a single part."""
        if not self.esm_class & ESM_UDHI:
            return None
        try:
            return reassemble_udh(self.body)[0]
        except ValueError:
            return None

    @property
    def text(self) -> str:
        """This part's text, UDH stripped."""
        return decode(self.data_coding, self.body, udhi=bool(self.esm_class & ESM_UDHI))


@dataclass(frozen=True, slots=True)
class SimMessage:
    """A whole message: its parts joined in sequence order."""

    system_id: str
    source: str
    destination: str
    text: str
    parts: tuple[Submitted, ...]

    @property
    def message_ids(self) -> list[str]:
        """The ids the simulator gave each part."""
        return [p.message_id or "" for p in self.parts]


def messages(records: Iterable[Submitted]) -> list[SimMessage]:
    """Rebuild accepted messages from their parts; incomplete sets are left out."""
    out: list[SimMessage] = []
    sets: dict[tuple[str, str, str, int, int], dict[int, Submitted]] = {}
    for rec in records:
        if rec.message_id is None:
            continue
        concat = rec.concat
        if concat is None or concat[1] <= 1:
            out.append(SimMessage(rec.system_id, rec.source, rec.destination, rec.text, (rec,)))
            continue
        ref, total, seq = concat
        key = (rec.system_id, rec.source, rec.destination, ref, total)
        group = sets.setdefault(key, {})
        if seq in group:  # the same part again: a resend, so a second copy of the message
            sets[key] = group = {}
        group[seq] = rec
        if len(group) == total:
            del sets[key]
            ordered = tuple(group[i] for i in sorted(group))
            payload = b"".join(reassemble_udh(p.body)[1] for p in ordered)
            text = decode(rec.data_coding, payload)
            out.append(SimMessage(rec.system_id, rec.source, rec.destination, text, ordered))
    return out


def duplicates(records: Iterable[Submitted]) -> dict[tuple[str, str], int]:
    """Count (destination, text) pairs accepted more than once."""
    counts = Counter((m.destination, m.text) for m in messages(records))
    return {key: n for key, n in counts.items() if n > 1}
