"""find_links: what is a link in a message body, what is left alone, where each one ends."""

from __future__ import annotations

import pytest

from smscast.links import find_links, replace_links


def links(text: str) -> list[str]:
    return [link.text for link in find_links(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # With a scheme: everything up to whitespace, minus prose punctuation.
        ("Sale: https://x.com/a?b=c&d=e#top today", ["https://x.com/a?b=c&d=e#top"]),
        ("http://x.com", ["http://x.com"]),
        ("HTTPS://EXAMPLE.COM/A", ["HTTPS://EXAMPLE.COM/A"]),
        ("https://127.0.0.1:8000/l/Ab3dE7x", ["https://127.0.0.1:8000/l/Ab3dE7x"]),
        ("https://пример.рф/путь ok", ["https://пример.рф/путь"]),
        ("https://user@x.com/p", ["https://user@x.com/p"]),
        # Without a scheme.
        ("Visit www.x.com now", ["www.x.com"]),
        ("www.example.museum", ["www.example.museum"]),
        ("x.com/path", ["x.com/path"]),
        ("shop.co.uk/sale?id=7", ["shop.co.uk/sale?id=7"]),
        ("x.com:8080/admin", ["x.com:8080/admin"]),
        ("See x.com", ["x.com"]),
        ("Amazon.com and AMAZON.COM", ["Amazon.com", "AMAZON.COM"]),
        ("xn--bcher-kva.com/x", ["xn--bcher-kva.com/x"]),
        ("Link:www.x.com", ["www.x.com"]),
        # Trailing punctuation is prose.
        ("Go to x.com.", ["x.com"]),
        ("Go to https://x.com/a.", ["https://x.com/a"]),
        ("Really? https://x.com/a?!", ["https://x.com/a"]),
        ("(see https://x.com/a)", ["https://x.com/a"]),
        ("(see x.com)", ["x.com"]),
        ("[x.com/a]", ["x.com/a"]),
        ("(https://en.wikipedia.org/wiki/Ra_(god))", ["https://en.wikipedia.org/wiki/Ra_(god)"]),
        ("“https://x.com/a”", ["https://x.com/a"]),
        ('"https://x.com/a"', ["https://x.com/a"]),
        ("'x.com'", ["x.com"]),
        ("see www.x.com...", ["www.x.com"]),
        ("x.com, y.org; z.net: done", ["x.com", "y.org", "z.net"]),
        ("one https://a.com/1\ntwo https://b.com/2", ["https://a.com/1", "https://b.com/2"]),
        # Two links in a row, and the same link twice.
        ("x.com x.com", ["x.com", "x.com"]),
    ],
)
def test_links_are_found_where_they_are(text, expected):
    assert links(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Write to john.doe@example.com",
        "a.co+b@x.com",
        "mailto:x@y.com",
        "first.last@sub.example.co.uk.",
        "Pi is 3.14 and e is 2.718",
        "Update to 1.5.2 or 10.0.19045",
        "Call +1 415.555.0100 or 415-555-0100 or (415) 555-0100",
        "Total 1,299.99 USD",
        "Meet at 10.30 on 12.05.2024",
        "Hello.It's me",
        "Done.Me too",
        "Open report.pdf and app.js",
        "e.g. this, i.e. that, a.m. and p.m.",
        "https://",
        "https:///x",
        "http://localhost:8000/x",  # no recipient can open it
        "http://http://",
        "x.com,y",  # a phone would open x.com,y: not a link we can shorten safely
        "x.com's deals",
        "#sale.com and @user.name",
        "ftp://x.com/file",
    ],
)
def test_these_are_not_links(text):
    assert links(text) == []


def test_without_scheme_the_target_gets_http():
    (found,) = find_links("Visit www.x.com/a now")
    assert (found.text, found.url) == ("www.x.com/a", "http://www.x.com/a")
    assert "Visit www.x.com/a now"[found.start : found.end] == found.text


def test_replace_keeps_the_text_around_links():
    body = "Hi! Sale at https://x.com/a?b=c. Or visit www.y.org, today."
    new, found = replace_links(body, lambda link: f"<{link.url}>")
    assert new == "Hi! Sale at <https://x.com/a?b=c>. Or visit <http://www.y.org>, today."
    assert [link.url for link in found] == ["https://x.com/a?b=c", "http://www.y.org"]


def test_a_body_without_links_is_returned_as_is():
    body = "No links here, call 415.555.0100."
    assert replace_links(body, lambda _: "!") == (body, [])
