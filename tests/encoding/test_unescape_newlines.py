"""unescape_newlines turns the two characters backslash + n into a line feed."""

from smscast.encoding import unescape_newlines


def test_leading_escaped_newline_becomes_a_line_feed():
    assert unescape_newlines("\\nHello World") == "\nHello World"


def test_space_after_an_escaped_newline_is_kept():
    assert unescape_newlines("\\n Hello") == "\n Hello"


def test_every_occurrence_is_replaced():
    assert unescape_newlines("a\\nb\\n\\nc") == "a\nb\n\nc"


def test_real_line_feeds_and_other_backslashes_are_untouched():
    assert unescape_newlines("a\nb \\t c\\") == "a\nb \\t c\\"
