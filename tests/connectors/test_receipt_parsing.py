"""parse_receipt reads every receipt shape carriers send and never raises on garbage."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import smpp34
from hypothesis import given
from hypothesis import strategies as st

from smscast.connectors.smpp.receipts import (
    TLV_MESSAGE_STATE,
    TLV_NETWORK_ERROR_CODE,
    TLV_RECEIPTED_MESSAGE_ID,
    parse_receipt,
    state_from_stat,
)

STANDARD = (
    b"id:0A1B2C3D sub:001 dlvrd:001 submit date:2501311200 done date:2501311201 "
    b"stat:DELIVRD err:000 text:Hello there"
)


def test_standard_text_receipt_is_parsed():
    receipt = parse_receipt(STANDARD)
    assert receipt is not None
    assert receipt.carrier_id == "a1b2c3d"  # normalised: lower-case, leading zero gone
    assert receipt.state == "delivered"
    assert receipt.error_code is None  # err:000 means no error
    assert receipt.done_at == datetime(2025, 1, 31, 12, 1, tzinfo=UTC)
    assert receipt.raw == STANDARD.decode()


@pytest.mark.parametrize(
    ("stat", "state"),
    [
        ("DELIVRD", "delivered"),
        ("delivrd", "delivered"),
        ("UNDELIV", "undelivered"),
        ("Undeliv", "undelivered"),
        ("EXPIRED", "expired"),
        ("REJECTD", "rejected"),
        ("DELETED", "unknown"),
        ("UNKNOWN", "unknown"),
        ("ACCEPTD", "accepted"),
        ("ENROUTE", "accepted"),
        ("SOMETHING", "unknown"),
    ],
)
def test_stat_words_map_to_states_in_any_case(stat, state):
    assert state_from_stat(stat) == state
    receipt = parse_receipt(b"id:7 stat:%s err:001" % stat.encode())
    assert receipt is not None and receipt.state == state


@pytest.mark.parametrize(
    "text",
    [
        b"ID:42 SUB:001 DLVRD:001 SUBMIT DATE:2501311200 DONE DATE:2501311201 STAT:DELIVRD ERR:000",
        b"Id:42 Sub:001 Dlvrd:001 Submit date:2501311200 Done date:2501311201 Stat:delivrd",
        b"id:42 stat:DELIVRD",  # the bare minimum
        b"id:  42 stat: DELIVRD",  # stray spaces after the colon
        b"id:42 sub:001 dlvrd:001 submit_date:2501311200 done_date:250131120159 stat:DELIVRD",
        b"id:42\x00 stat:DELIVRD\x00",  # NUL-terminated pieces
    ],
)
def test_text_variants_are_parsed(text):
    receipt = parse_receipt(text)
    assert receipt is not None
    assert (receipt.carrier_id, receipt.state) == ("42", "delivered")


def test_done_date_with_seconds_is_read():
    receipt = parse_receipt(b"id:1 done date:250131120159 stat:DELIVRD")
    assert receipt is not None
    assert receipt.done_at == datetime(2025, 1, 31, 12, 1, 59, tzinfo=UTC)


@pytest.mark.parametrize("done", [b"done date:9913321299", b"done date:2501", b"done date:abc"])
def test_bad_done_date_is_none_not_an_error(done):
    receipt = parse_receipt(b"id:1 stat:DELIVRD " + done)
    assert receipt is not None and receipt.done_at is None


def test_missing_stat_is_unknown():
    receipt = parse_receipt(b"id:99 sub:001 dlvrd:000")
    assert receipt is not None and receipt.state == "unknown"


def test_error_code_is_kept_when_not_zero():
    receipt = parse_receipt(b"id:5 stat:UNDELIV err:034")
    assert receipt is not None and receipt.error_code == "034"


def test_tlv_only_receipt_is_parsed():
    tlvs = [
        smpp34.Tlv(TLV_RECEIPTED_MESSAGE_ID, b"00AbC\x00"),
        smpp34.Tlv(TLV_MESSAGE_STATE, bytes([5])),
        smpp34.Tlv(TLV_NETWORK_ERROR_CODE, bytes([3, 0, 27])),
    ]
    receipt = parse_receipt(b"", tlvs)
    assert receipt is not None
    assert (receipt.carrier_id, receipt.state, receipt.error_code) == ("abc", "undelivered", "027")


def test_tlvs_win_over_the_text():
    tlvs = {TLV_RECEIPTED_MESSAGE_ID: b"77\x00", TLV_MESSAGE_STATE: bytes([8])}
    receipt = parse_receipt(b"id:66 stat:DELIVRD err:000", tlvs)
    assert receipt is not None
    assert (receipt.carrier_id, receipt.state) == ("77", "rejected")


@pytest.mark.parametrize(
    ("value", "state"),
    [
        (1, "accepted"),
        (2, "delivered"),
        (3, "expired"),
        (4, "unknown"),
        (6, "accepted"),
        (7, "unknown"),
    ],
)
def test_message_state_tlv_values(value, state):
    receipt = parse_receipt(
        b"", {TLV_RECEIPTED_MESSAGE_ID: b"1", TLV_MESSAGE_STATE: bytes([value])}
    )
    assert receipt is not None and receipt.state == state


def test_out_of_range_message_state_falls_back_to_the_text():
    tlvs = {TLV_MESSAGE_STATE: bytes([99])}
    receipt = parse_receipt(b"id:1 stat:EXPIRED", tlvs)
    assert receipt is not None and receipt.state == "expired"


@pytest.mark.parametrize(
    "junk",
    [
        b"",
        b"hello, this is an MO",
        b"stat:DELIVRD err:000",
        b"id: stat:DELIVRD",
        b"\xff\xfe\x00",
        b"id:\x00\x00",
    ],
)
def test_receipt_without_an_id_is_none(junk):
    assert parse_receipt(junk) is None


def test_word_ending_in_id_is_not_an_id():
    assert parse_receipt(b"paid:100 stat:DELIVRD") is None


@given(st.binary(max_size=300), st.dictionaries(st.integers(0, 0xFFFF), st.binary(max_size=8)))
def test_malformed_bytes_never_raise(data, tlvs):
    receipt = parse_receipt(data, tlvs)
    assert receipt is None or receipt.carrier_id
