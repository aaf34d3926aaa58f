"""smart_encode replaces look-alikes only when that makes the whole text GSM-7."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smscast.encoding import is_gsm7, smart_encode
from smscast.encoding.smart import LOOKALIKES


def test_every_replacement_is_gsm():
    assert [ch for ch, value in LOOKALIKES.items() if not is_gsm7(value)] == []


def test_no_replaced_character_is_gsm_already():
    assert [ch for ch in LOOKALIKES if is_gsm7(ch)] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\u2018single\u2019 \u201adouble\u201b", "'single' 'double'"),
        ("\u201cHi\u201d \u201elow\u201f", '"Hi" "low"'),
        ("5\u2032 11\u2033", "5' 11\""),
        ("a\u2010b\u2011c\u2012d\u2013e\u2014f\u2015g\u2212h", "a-b-c-d-e-f-g-h"),
        ("Wait\u2026", "Wait..."),
        ("\u2022 one \u2039x\u203a \u00abq\u00bb", "- one 'x' \"q\""),
        ("\u02c6 \u02dc", "^ ~"),
        ("it`s", "it's"),
    ],
)
def test_punctuation_look_alikes_become_gsm(text, expected):
    assert smart_encode(text) == expected


@pytest.mark.parametrize(
    "space", ["\u00a0", *(chr(cp) for cp in range(0x2000, 0x200B)), "\u202f", "\u205f", "\u3000"]
)
def test_unicode_spaces_become_a_space(space):
    assert smart_encode(f"10{space}km") == "10 km"


@pytest.mark.parametrize("invisible", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"])
def test_zero_width_characters_are_removed(invisible):
    assert smart_encode(f"Hel{invisible}lo") == "Hello"


def test_fullwidth_ascii_becomes_ascii():
    assert smart_encode("\uff28\uff45\uff4c\uff4c\uff4f\uff01 \uff11\uff12\uff13") == "Hello! 123"
    assert smart_encode("\uff5b\uff3c\uff5d") == "{\\}"


def test_fullwidth_backtick_is_left_alone_as_its_ascii_form_is_not_gsm():
    assert "\uff40" not in LOOKALIKES


def test_upper_case_greek_fits_gsm_with_latin_look_alikes():
    assert smart_encode("ΚΑΛΗΜΕΡΑ ΔΩΡΟ") == "KAΛHMEPA ΔΩPO"


def test_text_that_stays_unicode_is_returned_unchanged():
    text = "\u201cПривет\u201d \u2014 hi"
    assert smart_encode(text) is text


def test_gsm_text_is_returned_unchanged():
    text = "Plain text, \u20ac5"
    assert smart_encode(text) is text


@given(st.text(st.sampled_from([*LOOKALIKES, "a", " ", "€", "ж", "😀", "é"]), max_size=60))
def test_result_is_gsm_or_the_input_itself(text):
    result = smart_encode(text)
    assert is_gsm7(result) or result == text


@given(st.text(max_size=60))
def test_result_is_gsm_or_the_input_itself_for_any_text(text):
    result = smart_encode(text)
    assert is_gsm7(result) or result == text
