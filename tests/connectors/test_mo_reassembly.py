"""Concatenated MO parts are joined however they were marked, and never kept forever."""

from __future__ import annotations

from smscast.connectors.smpp.inbound import (
    SAR_MSG_REF_NUM,
    SAR_SEGMENT_SEQNUM,
    SAR_TOTAL_SEGMENTS,
    Reassembler,
)
from smscast.encoding import parts

TEXT = "Reply STOP to opt out. " * 12  # 276 GSM-7 characters: two parts


def feed_all(r: Reassembler, pieces, order=None, now=0.0, *, sar=False):
    out = []
    for i in order or range(len(pieces)):
        p = pieces[i]
        if sar:
            tlvs = {
                SAR_MSG_REF_NUM: (513).to_bytes(2, "big"),
                SAR_TOTAL_SEGMENTS: bytes([len(pieces)]),
                SAR_SEGMENT_SEQNUM: bytes([i + 1]),
            }
            out += r.feed("+1555", "12345", 0, p.data_coding, p.payload, tlvs, now)
        else:
            out += r.feed("+1555", "12345", p.esm_class, p.data_coding, p.short_message, {}, now)
    return out


def test_single_part_passes_straight_through():
    [part] = parts("STOP")
    [msg] = Reassembler().feed("+1555", "12345", 0, 0, part.short_message, {}, 0.0)
    assert msg.body == "STOP"
    assert (msg.source, msg.destination) == ("+1555", "12345")


def test_udh8_parts_out_of_order_are_joined():
    pieces = parts(TEXT, 77)
    r = Reassembler()
    [msg] = feed_all(r, pieces, order=[1, 0])
    assert msg.body == TEXT
    assert msg.extra["parts"] == "2" and "incomplete" not in msg.extra
    assert len(r) == 0


def test_udh16_ucs2_parts_are_joined():
    text = "Stop 🙂 " * 20  # UCS-2 with surrogate pairs, several parts
    pieces = parts(text, 4242, udh16=True)
    assert len(pieces) > 2
    [msg] = feed_all(Reassembler(), pieces, order=list(reversed(range(len(pieces)))))
    assert msg.body == text


def test_sar_parts_are_joined():
    pieces = parts(TEXT, 1)
    [msg] = feed_all(Reassembler(), pieces, sar=True)
    assert msg.body == TEXT


def test_message_payload_tlv_carries_the_body():
    [msg] = Reassembler().feed("+1555", "12345", 0, 0, b"", {0x0424: b"STOP ALL"}, 0.0)
    assert msg.body == "STOP ALL"


def test_incomplete_set_is_handed_on_after_the_timeout():
    pieces = parts(TEXT, 9)
    r = Reassembler(timeout_s=10)
    assert feed_all(r, pieces, order=[0], now=0.0) == []
    assert r.expire(5.0) == []
    [msg] = r.expire(10.0)
    assert msg.body == pieces[0].payload.decode()  # GSM-7 unpacked ASCII here
    assert msg.extra["incomplete"] == "1/2"
    assert len(r) == 0


def test_open_sets_are_bounded():
    r = Reassembler(max_sets=2)
    out = []
    for ref in (1, 2, 3):
        out += feed_all(r, parts(TEXT, ref), order=[0])
    assert len(r) == 2
    [evicted] = out
    assert evicted.extra["reference"] == "1" and evicted.extra["incomplete"] == "1/2"


def test_broken_udh_is_delivered_as_is():
    [msg] = Reassembler().feed("+1555", "12345", 0x40, 0, b"\x09\x00\x03", {}, 0.0)
    assert msg.source == "+1555"  # no exception, and the octets are kept


def test_unknown_data_coding_is_kept_readable():
    [msg] = Reassembler().feed("+1555", "12345", 0, 0xF5, b"\x01\x02hi", {}, 0.0)
    assert msg.body.endswith("hi") and msg.extra["undecodable"] == str(0xF5)
