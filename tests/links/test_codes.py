"""Short codes: fixed length, base62, random (never sequential), told apart from junk."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from smscast.links import is_code, new_code
from smscast.links.codes import ALPHABET


@pytest.mark.parametrize("length", [7, 8, 12, 16])
def test_codes_have_the_length_asked_and_only_base62(length):
    for _ in range(200):
        code = new_code(length)
        assert len(code) == length and set(code) <= set(ALPHABET)
        assert is_code(code)


def test_codes_are_not_sequential_and_use_the_whole_alphabet():
    codes = [new_code() for _ in range(5000)]
    assert len(set(codes)) == 5000
    # Consecutive codes share no long prefix, as counters and timestamps would.
    assert sum(a[:3] == b[:3] for a, b in itertools.pairwise(codes)) < 5
    # Each position draws from all 62 characters, about evenly (5000/62 ≈ 81 each).
    for position in range(7):
        counts = Counter(code[position] for code in codes)
        assert len(counts) == 62
        assert max(counts.values()) < 160


@pytest.mark.parametrize(
    "text", ["", "abc123", "a" * 17, "abc-1234", "abc 1234", "../etc1", "Ab3dE7x.", "ÄÖÜ1234"]
)
def test_junk_is_not_a_code(text):
    assert not is_code(text)
