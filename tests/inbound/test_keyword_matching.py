"""Which texts are keywords: case, whitespace, accents and end punctuation do not matter."""

from __future__ import annotations

import pytest

from smscast.inbound.keywords import BUILT_IN, match, normalise


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("STOP", "STOP"),
        ("stop", "STOP"),
        ("  Stop. ", "STOP"),
        ("STOP!!!", "STOP"),
        ('"stop"', "STOP"),
        ("stop all", "STOPALL"),
        ("Opt Out", "OPTOUT"),
        ("Un-subscribe", "UN-SUBSCRIBE"),
        ("arrêt", "ARRET"),
        ("ＳＴＯＰ", "STOP"),  # full-width, as some handsets send it
        ("stop\u200b", "STOP"),  # a zero-width space
        ("", ""),
        ("...", ""),
    ],
)
def test_normalise(text, word):
    assert normalise(text) == word


@pytest.mark.parametrize("word", sorted(BUILT_IN))
def test_every_built_in_keyword_matches_in_any_case(word):
    assert match(word.lower() + ".", {}) == (word, BUILT_IN[word])


@pytest.mark.parametrize(
    "text", ["Please stop texting me", "stopp", "STOP STOP", "x" * 200, "help me", "yes please"]
)
def test_a_sentence_is_not_a_keyword(text):
    assert match(text, {}) is None


def test_an_accounts_own_keyword_matches_with_its_action():
    assert match("Baja", {"BAJA": "stop", "ALTA": "start"}) == ("BAJA", "stop")
    assert match("alta!", {"BAJA": "stop", "ALTA": "start"}) == ("ALTA", "start")
