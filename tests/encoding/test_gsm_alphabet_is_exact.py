"""The GSM 03.38 default alphabet and extension table, checked code point by code point."""

import sys

import pytest

from smscast.encoding import UCS2, analyze, decode_gsm7, encode_gsm7, is_gsm7

# 3GPP TS 23.038 section 6.2.1, written out independently of the implementation: septet value
# -> Unicode code point. 0x1B (escape) has no character.
BASIC = {
    0x00: 0x0040, 0x01: 0x00A3, 0x02: 0x0024, 0x03: 0x00A5, 0x04: 0x00E8, 0x05: 0x00E9,
    0x06: 0x00F9, 0x07: 0x00EC, 0x08: 0x00F2, 0x09: 0x00C7, 0x0A: 0x000A, 0x0B: 0x00D8,
    0x0C: 0x00F8, 0x0D: 0x000D, 0x0E: 0x00C5, 0x0F: 0x00E5, 0x10: 0x0394, 0x11: 0x005F,
    0x12: 0x03A6, 0x13: 0x0393, 0x14: 0x039B, 0x15: 0x03A9, 0x16: 0x03A0, 0x17: 0x03A8,
    0x18: 0x03A3, 0x19: 0x0398, 0x1A: 0x039E, 0x1C: 0x00C6, 0x1D: 0x00E6, 0x1E: 0x00DF,
    0x1F: 0x00C9, 0x20: 0x0020, 0x21: 0x0021, 0x22: 0x0022, 0x23: 0x0023, 0x24: 0x00A4,
    **{septet: septet for septet in range(0x25, 0x40)},  # % & ' ( ) * + , - . / 0-9 : ; < = > ?
    0x40: 0x00A1,
    **{septet: septet for septet in range(0x41, 0x5B)},  # A-Z
    0x5B: 0x00C4, 0x5C: 0x00D6, 0x5D: 0x00D1, 0x5E: 0x00DC, 0x5F: 0x00A7, 0x60: 0x00BF,
    **{septet: septet for septet in range(0x61, 0x7B)},  # a-z
    0x7B: 0x00E4, 0x7C: 0x00F6, 0x7D: 0x00F1, 0x7E: 0x00FC, 0x7F: 0x00E0,
}  # fmt: skip
EXTENSION = {
    0x0A: 0x000C, 0x14: 0x005E, 0x28: 0x007B, 0x29: 0x007D, 0x2F: 0x005C, 0x3C: 0x005B,
    0x3D: 0x007E, 0x3E: 0x005D, 0x40: 0x007C, 0x65: 0x20AC,
}  # fmt: skip
GSM = {chr(cp) for cp in BASIC.values()} | {chr(cp) for cp in EXTENSION.values()}


def test_reference_table_has_127_characters_and_10_extensions():
    assert len(BASIC) == 127  # 128 septets less the escape
    assert len(EXTENSION) == 10
    assert len(GSM) == 137


def test_every_code_point_is_gsm_exactly_when_the_standard_says_so():
    wrong = [
        hex(cp)
        for cp in range(sys.maxunicode + 1)
        if not 0xD800 <= cp <= 0xDFFF and is_gsm7(chr(cp)) != (chr(cp) in GSM)
    ]
    assert wrong == []


@pytest.mark.parametrize(("septet", "code_point"), sorted(BASIC.items()))
def test_every_basic_character_round_trips_as_one_septet(septet, code_point):
    char = chr(code_point)
    assert encode_gsm7(char) == bytes((septet,))
    assert decode_gsm7(bytes((septet,))) == char
    assert analyze(char).units == 1


@pytest.mark.parametrize(("code", "code_point"), sorted(EXTENSION.items()))
def test_every_extension_character_round_trips_as_escape_and_code(code, code_point):
    char = chr(code_point)
    assert encode_gsm7(char) == bytes((0x1B, code))
    assert decode_gsm7(bytes((0x1B, code))) == char
    assert analyze(char).units == 2


def test_backtick_forces_ucs2():
    result = analyze("it`s")
    assert result.encoding == UCS2
    assert result.unicode_chars == ("`",)


def test_euro_sign_costs_two_septets():
    assert analyze("10€").units == 4
    assert analyze("€" * 80).segments == 1
    assert analyze("€" * 81).segments == 2


def test_escape_character_in_a_text_is_not_gsm():
    # Sent raw, U+001B would escape the next character into the extension table.
    assert not is_gsm7("a\x1b(b")


def test_small_c_cedilla_is_not_gsm():
    # 23.038 draws a capital C cedilla at 0x09; sending "ç" there would show "Ç".
    assert is_gsm7("Ç")
    assert not is_gsm7("ç")


def test_euro_sign_fast_path_does_not_confuse_u0080_with_the_euro():
    assert not is_gsm7("\x80")
    assert not is_gsm7("€\x80")
    assert encode_gsm7("€ £ Δ") == b"\x1be\x20\x01\x20\x10"


def test_encode_rejects_non_gsm_text_naming_the_characters():
    with pytest.raises(ValueError, match="ô"):
        encode_gsm7("hôtel")


def test_unknown_escaped_code_decodes_as_the_basic_character():
    # 23.038 6.2.1.1: show the default-alphabet character when the extension has none.
    assert decode_gsm7(b"\x1bA") == "A"


def test_double_escape_and_trailing_escape_decode_as_a_space():
    assert decode_gsm7(b"a\x1b\x1bb") == "a b"
    assert decode_gsm7(b"ab\x1b") == "ab "


def test_bytes_outside_the_septet_range_decode_as_replacement_character():
    assert decode_gsm7(b"a\x80b") == "a\ufffdb"
