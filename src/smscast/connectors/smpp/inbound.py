"""Turn non-receipt deliver_sm into `Inbound` messages, reassembling concatenated parts.

Parts are announced either by a UDH (esm_class 0x40; 8-bit or 16-bit reference) or by the SAR
TLVs (sar_msg_ref_num, sar_total_segments, sar_segment_seqnum). A set is keyed by
(source, destination, reference, total) and shared by every bind of a connector, since a
carrier may spread one message's parts over several sessions. Incomplete sets are kept for
`timeout_s`; then what arrived is handed on, marked `extra["incomplete"]`, because an opt-out
keyword in part 1 matters more than a missing part 3.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from smscast.connectors.base import Inbound
from smscast.connectors.smpp.receipts import TlvLike
from smscast.encoding import decode, reassemble_udh

__all__ = [
    "SAR_MSG_REF_NUM",
    "SAR_SEGMENT_SEQNUM",
    "SAR_TOTAL_SEGMENTS",
    "Reassembler",
    "tlv_dict",
]

SAR_MSG_REF_NUM = 0x020C
SAR_TOTAL_SEGMENTS = 0x020E
SAR_SEGMENT_SEQNUM = 0x020F
MESSAGE_PAYLOAD = 0x0424
ESM_UDHI = 0x40

_Key = tuple[str, str, int, int]


@dataclass(slots=True)
class _Partial:
    data_coding: int
    first_seen: float
    parts: dict[int, bytes] = field(default_factory=dict)


class Reassembler:
    """Collect MO parts until a message is whole; bounded in time and in open sets."""

    def __init__(self, timeout_s: float = 120.0, max_sets: int = 10_000) -> None:
        self.timeout_s = timeout_s
        self.max_sets = max_sets
        self._sets: dict[_Key, _Partial] = {}

    def __len__(self) -> int:
        return len(self._sets)

    def feed(
        self,
        source: str,
        destination: str,
        esm_class: int,
        data_coding: int,
        short_message: bytes,
        tlvs: Mapping[int, bytes],
        now: float,
    ) -> list[Inbound]:
        """Take one deliver_sm; return the messages it completes (and any it evicts)."""
        payload = tlvs.get(MESSAGE_PAYLOAD) or short_message
        concat: tuple[int, int, int] | None = None
        if esm_class & ESM_UDHI:
            try:
                concat, payload = reassemble_udh(payload)
            except ValueError:
                concat = None  # a broken UDH: hand over the bytes as they came
        elif SAR_MSG_REF_NUM in tlvs and SAR_TOTAL_SEGMENTS in tlvs and SAR_SEGMENT_SEQNUM in tlvs:
            concat = _sar(tlvs)
        if concat is None or concat[1] <= 1:
            return [_inbound(source, destination, data_coding, payload, {})]
        ref, total, seq = concat
        key = (source, destination, ref, total)
        partial = self._sets.get(key)
        if partial is None:
            out = self._evict_oldest() if len(self._sets) >= self.max_sets else []
            partial = self._sets[key] = _Partial(data_coding, now)
        else:
            out = []
        partial.parts[seq] = payload
        if len(partial.parts) == total:
            del self._sets[key]
            out.append(self._finish(key, partial))
        return out

    def expire(self, now: float) -> list[Inbound]:
        """Hand on every set older than the timeout, incomplete."""
        old = [k for k, p in self._sets.items() if now - p.first_seen >= self.timeout_s]
        return [self._finish(k, self._sets.pop(k)) for k in old]

    def _evict_oldest(self) -> list[Inbound]:
        key = next(iter(self._sets))  # dicts keep insertion order: the first is the oldest
        return [self._finish(key, self._sets.pop(key))]

    @staticmethod
    def _finish(key: _Key, partial: _Partial) -> Inbound:
        source, destination, ref, total = key
        joined = b"".join(partial.parts[seq] for seq in sorted(partial.parts))
        extra = {"parts": str(total), "reference": str(ref)}
        if len(partial.parts) < total:
            extra["incomplete"] = f"{len(partial.parts)}/{total}"
        return _inbound(source, destination, partial.data_coding, joined, extra)


def tlv_dict(tlvs: Iterable[TlvLike]) -> dict[int, bytes]:
    """Index smpp34 TLVs by tag (the last of a repeated tag wins)."""
    return {t.tag: t.value for t in tlvs}


def _sar(tlvs: Mapping[int, bytes]) -> tuple[int, int, int] | None:
    ref = int.from_bytes(tlvs[SAR_MSG_REF_NUM][:2], "big")
    total = tlvs[SAR_TOTAL_SEGMENTS][:1]
    seq = tlvs[SAR_SEGMENT_SEQNUM][:1]
    if not total or not seq or not 1 <= seq[0] <= total[0]:
        return None
    return ref, total[0], seq[0]


def _inbound(
    source: str, destination: str, data_coding: int, payload: bytes, extra: dict[str, str]
) -> Inbound:
    try:
        body = decode(data_coding, payload)
    except (ValueError, LookupError):
        body = payload.decode("latin-1")  # an unknown coding: keep the octets readable
        extra["undecodable"] = str(data_coding)
    extra["data_coding"] = str(data_coding)
    return Inbound(source, destination, body, datetime.now(UTC), extra)
