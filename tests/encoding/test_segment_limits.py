"""Segment counts at the exact limits: 160/153 septets, 70/67 UTF-16 units."""

import pytest

from smscast.encoding import GSM7, UCS2, analyze, decode, parts

EMOJI = "\U0001f600"  # outside the BMP: a surrogate pair, 2 units


def text_of(part):
    return decode(part.data_coding, part.short_message, udhi=bool(part.esm_class))


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments", "per_segment"),
    [
        ("", GSM7, 0, 1, 160),
        ("a" * 160, GSM7, 160, 1, 160),
        ("a" * 161, GSM7, 161, 2, 153),
        ("a" * 306, GSM7, 306, 2, 153),
        ("a" * 307, GSM7, 307, 3, 153),
        ("ж" * 70, UCS2, 70, 1, 70),
        ("ж" * 71, UCS2, 71, 2, 67),
        ("ж" * 134, UCS2, 134, 2, 67),
        ("ж" * 135, UCS2, 135, 3, 67),
        (EMOJI * 35, UCS2, 70, 1, 70),
        (EMOJI * 36, UCS2, 72, 2, 67),
    ],
)
def test_segments_at_the_limits(text, encoding, units, segments, per_segment):
    result = analyze(text)
    assert (result.encoding, result.units, result.segments, result.per_segment) == (
        encoding,
        units,
        segments,
        per_segment,
    )
    assert result.characters == len(text)
    assert len(parts(text)) == segments


def test_empty_text_is_one_empty_part():
    assert [(p.udh, p.payload) for p in parts("")] == [(b"", b"")]


def test_extension_char_that_would_straddle_a_part_moves_to_the_next_part():
    text = "a" * 152 + "€" + "b" * 10  # escape at septet 153, its code at 154
    assert analyze(text).units == 164
    first, second = parts(text)
    assert first.payload == b"a" * 152
    assert second.payload == b"\x1be" + b"b" * 10
    assert text_of(first) + text_of(second) == text


def test_straddling_escape_can_cost_an_extra_segment():
    text = "a" * 152 + "€" + "b" * 152  # 306 septets, yet 152 + 154 do not fit 153 + 153
    result = analyze(text)
    assert result.units == 306
    assert result.segments == 3
    assert len(parts(text)) == 3


def test_extension_char_ending_exactly_at_the_limit_stays_in_the_part():
    text = "a" * 151 + "€" + "b" * 10
    first, _ = parts(text)
    assert first.payload == b"a" * 151 + b"\x1be"


def test_emoji_at_a_67_unit_boundary_moves_to_the_next_part():
    text = "ж" * 66 + EMOJI + "ж" * 10  # the pair would take units 67 and 68
    first, second = parts(text)
    assert len(first.payload) == 66 * 2
    assert second.payload.startswith(EMOJI.encode("utf-16-be"))
    assert text_of(first) + text_of(second) == text
    assert analyze(text).segments == 2


def test_straddling_emoji_can_cost_an_extra_segment():
    text = "ж" * 66 + EMOJI + "ж" * 66  # 134 units, yet 66 + 68 do not fit 67 + 67
    assert analyze(text).units == 134
    assert analyze(text).segments == 3
    assert len(parts(text)) == 3


def test_non_bmp_characters_count_two_units():
    result = analyze("hi " + EMOJI)
    assert result.encoding == UCS2
    assert (result.units, result.characters) == (5, 4)
    assert result.unicode_chars == (EMOJI,)


def test_unicode_chars_lists_each_offender_once_in_order_of_appearance():
    result = analyze("Grüße “hi” ô ô “")
    assert result.unicode_chars == ("“", "”", "ô")


def test_gsm_text_lists_no_unicode_chars():
    assert analyze("Grüße aus München").unicode_chars == ()


def test_16_bit_reference_leaves_152_septets_per_part():
    text = "a" * 305
    assert [len(p.payload) for p in parts(text, udh16=True)] == [152, 152, 1]
    assert [len(p.payload) for p in parts(text)] == [153, 152]


def test_16_bit_reference_leaves_66_units_per_part():
    text = "ж" * 133
    assert [len(p.payload) // 2 for p in parts(text, udh16=True)] == [66, 66, 1]
    assert [len(p.payload) // 2 for p in parts(text)] == [67, 66]


def test_single_part_limits_do_not_depend_on_the_reference_size():
    assert len(parts("a" * 160, udh16=True)) == 1
    assert len(parts("ж" * 70, udh16=True)) == 1
