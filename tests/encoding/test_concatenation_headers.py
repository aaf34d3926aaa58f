"""Concatenated parts carry a correct UDH and SMPP fields; single parts carry none."""

import pytest

from smscast.encoding import Part, parts


def test_single_part_has_no_udh_and_plain_esm_class():
    (part,) = parts("Hello")
    assert part == Part(data_coding=0, udh=b"", payload=b"Hello")
    assert part.short_message == b"Hello"
    assert part.esm_class == 0


def test_ucs2_part_is_data_coding_8_big_endian():
    (part,) = parts("Привет")
    assert part.data_coding == 8
    assert part.payload == "Привет".encode("utf-16-be")


def test_8_bit_reference_udh_numbers_the_parts():
    result = parts("a" * 200, reference=0x2A)
    assert [p.udh for p in result] == [b"\x05\x00\x03\x2a\x02\x01", b"\x05\x00\x03\x2a\x02\x02"]
    assert all(p.esm_class == 0x40 for p in result)
    assert result[0].short_message == result[0].udh + b"a" * 153


def test_16_bit_reference_udh_numbers_the_parts():
    result = parts("a" * 200, reference=0x1234, udh16=True)
    assert [p.udh for p in result] == [
        b"\x06\x08\x04\x12\x34\x02\x01",
        b"\x06\x08\x04\x12\x34\x02\x02",
    ]


def test_8_bit_udh_carries_the_low_byte_of_a_wider_reference():
    # The worker hands out references in 0..65535; an 8-bit UDH keeps the low byte.
    assert parts("a" * 200, reference=0x1234)[0].udh == b"\x05\x00\x03\x34\x02\x01"


@pytest.mark.parametrize("reference", [-1, 0x10000])
def test_reference_out_of_range_is_refused(reference):
    with pytest.raises(ValueError, match="reference"):
        parts("a", reference)


def test_more_than_255_parts_is_refused():
    assert len(parts("a" * 153 * 255)) == 255
    with pytest.raises(ValueError, match="255"):
        parts("a" * (153 * 255 + 1))
