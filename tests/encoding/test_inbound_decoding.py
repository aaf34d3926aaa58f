"""decode() and reassemble_udh() read what arrives in deliver_sm and what we submit."""

import pytest

from smscast.encoding import decode, parts, reassemble_udh

UDH8 = b"\x05\x00\x03\x2a\x03\x02"  # reference 0x2A, part 2 of 3
UDH16 = b"\x06\x08\x04\x12\x34\x03\x02"  # reference 0x1234, part 2 of 3


def test_gsm_without_udh():
    assert decode(0, b"\x00\x01 \x1be \x11") == "@£ € _"


def test_gsm_with_udh():
    assert decode(0, UDH8 + b"Hi \x1b<", udhi=True) == "Hi ["


def test_ucs2_without_udh():
    assert decode(8, "Привет 😀".encode("utf-16-be")) == "Привет 😀"


def test_ucs2_with_16_bit_udh():
    assert decode(8, UDH16 + "ж😀".encode("utf-16-be"), udhi=True) == "ж😀"


def test_udh_bytes_are_text_when_udhi_is_not_set():
    assert decode(3, b"\x05abc") == "\x05abc"


def test_latin1_and_ascii():
    assert decode(3, "Grüße".encode("latin-1")) == "Grüße"
    assert decode(1, b"plain") == "plain"


def test_malformed_ucs2_decodes_with_replacement_instead_of_raising():
    assert decode(8, b"\x00a\xd8") == "a\ufffd"


def test_unsupported_data_coding_is_refused():
    with pytest.raises(ValueError, match="data_coding"):
        decode(4, b"\x01\x02")


def test_reassemble_8_bit_reference():
    assert reassemble_udh(UDH8 + b"payload") == ((0x2A, 3, 2), b"payload")


def test_reassemble_16_bit_reference():
    assert reassemble_udh(UDH16 + b"payload") == ((0x1234, 3, 2), b"payload")


def test_reassemble_skips_other_elements():
    # Application port addressing (IEI 0x05) before the concatenation element.
    udh = b"\x0b\x05\x04\x0b\x84\x23\xf0\x00\x03\x07\x02\x01"
    assert reassemble_udh(udh + b"x") == ((7, 2, 1), b"x")


def test_udh_without_concatenation_gives_none():
    assert reassemble_udh(b"\x06\x05\x04\x0b\x84\x23\xf0x") == (None, b"x")


@pytest.mark.parametrize("total_seq", [b"\x00\x01", b"\x02\x00", b"\x02\x03"])
def test_concatenation_with_impossible_numbers_is_ignored(total_seq):
    # 23.040 9.2.3.24.1: a zero total, or a sequence of zero or past the total, voids it.
    assert reassemble_udh(b"\x05\x00\x03\x01" + total_seq + b"x") == (None, b"x")


def test_udh_longer_than_the_message_is_refused():
    with pytest.raises(ValueError, match="UDH"):
        reassemble_udh(b"\x05\x00\x03")
    with pytest.raises(ValueError, match="empty"):
        reassemble_udh(b"")


def test_our_own_parts_reassemble_in_order():
    text = "Привет, " * 30 + "😀"
    made = parts(text, reference=0xBEEF, udh16=True)
    headers = [reassemble_udh(p.short_message) for p in made]
    assert [info for info, _ in headers] == [
        (0xBEEF, len(made), n) for n in range(1, len(made) + 1)
    ]
    assert decode(8, b"".join(payload for _, payload in headers)) == text
