"""Properties of find_links: never inside an e-mail or a number; replacing and re-reading agree."""

from __future__ import annotations

import itertools

from hypothesis import example, given, settings
from hypothesis import strategies as st

from smscast.links import find_links, replace_links

# Pieces that make link detection hard: schemes, hosts, www, punctuation that may or may not
# end a link, brackets, quotes, e-mail signs, digits and dots.
FRAGMENTS = [
    "http://",
    "https://",
    "HTTPS://",
    "www.",
    "x.com",
    ".com",
    ".co.uk",
    ".It",
    "shop",
    "/a",
    "?q=1",
    "#f",
    ":8080",
    "@",
    ".",
    "..",
    ",",
    ";",
    "!",
    "?",
    "(",
    ")",
    "[",
    "]",
    "'",
    '"',
    "“",
    "”",
    " ",
    "\n",
    "-",
    "_",
    "%",
    "3.14",
    "1.5.2",
    "é",
    "€",
    "\u200b",
]
prose = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text("abwxyzABC0129 .,/:", max_size=4)),
    max_size=24,
).map("".join)

local_parts = st.from_regex(r"[a-z0-9](?:[a-z0-9._%+\-]{0,15}[a-z0-9])?", fullmatch=True)
domains = st.builds(
    lambda labels, tld: ".".join([*labels, tld]),
    st.lists(st.from_regex(r"[a-z0-9]{1,10}", fullmatch=True), min_size=1, max_size=3),
    st.sampled_from(["com", "org", "co.uk", "io", "de", "museum", "it"]),
)
emails = st.builds(lambda local, domain: f"{local}@{domain}", local_parts, domains)

numbers = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
    st.lists(st.integers(0, 999), min_size=2, max_size=5).map(lambda p: ".".join(map(str, p))),
    st.from_regex(r"\+?1? ?\(?[0-9]{3}\)?[ .\-]?[0-9]{3}[ .\-][0-9]{4}", fullmatch=True),
    st.from_regex(r"[0-9]{1,3}(,[0-9]{3})*\.[0-9]{2}", fullmatch=True),
)


# A busy machine may take over the default 200 ms for one example: time is not the subject.
SETTINGS = settings(deadline=None)


def overlaps(text: str, start: int, end: int) -> bool:
    return any(link.start < end and start < link.end for link in find_links(text))


@SETTINGS
@given(prose, emails, prose)
@example("", "john.doe@example.com", "")
@example("Write ", "a.co+b@x.co.uk", ".")
def test_no_link_is_found_inside_an_email(before, email, after):
    text = f"{before} {email} {after}"
    start = len(before) + 1
    assert not overlaps(text, start, start + len(email)), (text, find_links(text))


@SETTINGS
@given(prose, numbers, prose)
@example("pi ", "3.14", "")
@example("", "1.5.2", ".")
def test_no_link_is_found_inside_a_number(before, number, after):
    text = f"{before} {number} {after}"
    start = len(before) + 1
    assert not overlaps(text, start, start + len(number)), (text, find_links(text))


@SETTINGS
@given(prose)
@example("Go to x.com, or (https://a.org/x_(y)).")
@example("a.com(https://x.com)")
@example("Hello.It's x.com's")
def test_short_urls_are_read_back_exactly_where_they_were_put(text):
    found = find_links(text)
    shorts = [f"https://s.example/C{i:06d}" for i in range(len(found))]
    it = iter(shorts)
    new, replaced = replace_links(text, lambda _: next(it))
    assert replaced == found
    again = find_links(new)
    assert [link.text for link in again] == shorts
    # The text between links is untouched.
    pieces = [text[a.end : b.start] for a, b in itertools.pairwise(found)]
    assert [new[a.end : b.start] for a, b in itertools.pairwise(again)] == pieces
    if found:
        assert new[: again[0].start] == text[: found[0].start]
        assert new[again[-1].end :] == text[found[-1].end :]


@SETTINGS
@given(prose)
def test_links_do_not_overlap_and_lie_where_they_say(text):
    end = 0
    for link in find_links(text):
        assert link.start >= end
        assert text[link.start : link.end] == link.text
        assert link.url.lower().startswith(("http://", "https://"))
        assert not any(c.isspace() for c in link.text)
        end = link.end
