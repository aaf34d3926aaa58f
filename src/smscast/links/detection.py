"""Find the links in a message body. Pure, no I/O.

A link is `http://` or `https://` followed by URL characters and naming a host with a dot, or
a host written without a scheme: `www.` and any top-level domain, or `name.tld` with a known
top-level domain (`x.com`, `shop.co.uk/sale`, `amazon.com:8080/x`). Left alone:

- e-mail addresses: a host never starts right after `@`, `.`, `+`, `%`, `-` or a word
  character, and never ends before `@`;
- numbers, decimals, versions, phone numbers (3.14, 1.5.2, 415.555.0100): a top-level domain
  is letters;
- trailing punctuation: a sentence-ending `.`, `,`, `!`, `?`, `:`, `;`, quotes, and a `)`,
  `]` or `}` that closes nothing inside the link (`https://en.wikipedia.org/wiki/Ra_(god)`
  keeps its own).

A link must be followed by the end of the text, whitespace or a delimiter, after any trailing
punctuation. The reason is the phone: it linkifies greedily, so if `x.com,y` were shortened to
`https://s.example/Ab3dE7x,y` the recipient's phone would open `.../Ab3dE7x,y`, a 404. The same
rule makes replacing links with short URLs and reading the text again give exactly the short
URLs back (tests/links/test_detection_properties.py).

Hosts without a scheme are short strings that also occur in prose ("Hello.It's"), so a bare
`name.tld` (no `www.`, no port, no path) needs a lowercase or uppercase top-level domain:
`Amazon.com` and `AMAZON.COM` are links, `Hello.It` is not.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["FoundLink", "find_links", "replace_links"]

# Generic top-level domains seen in messages; with the country codes below, what a bare host
# may end in. Anything else needs a scheme or `www.` ("report.pdf", "app.js" stay text).
GENERIC_TLDS = frozenset(
    """
    com net org info biz edu gov mil int arpa name pro mobi asia tel jobs travel museum aero
    coop cat post xxx app dev page io ai xyz online site store shop club top live link click
    blog news tech cloud digital email world today life space website art design agency
    media studio network solutions services group global company business center support
    help social events fun games money bank finance insurance health care clinic dental law
    legal realty homes house land estate auto cars deals sale discount promo coupons gift
    market marketing academy education school university courses training review reviews
    guide tips photo photos pics video tv movie music radio fm church family love
    wedding dating fashion beauty hair spa fitness yoga golf football soccer bet casino
    poker restaurant cafe bar pizza menu kitchen recipes wine beer delivery express shopping
    tickets tours vacations hotel holiday flights booking taxi city london nyc paris berlin
    tokyo amsterdam africa eco green energy solar farm garden pet pets dog vet build
    tools software systems computer phone mobile one plus run win vip ltd llc inc co gmbh
    """.split()  # noqa: SIM905 (a word list reads best as words)
)
COUNTRY_TLDS = frozenset(
    """
    ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br
    bs bt bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz
    ec ee eg er es et eu fi fj fk fm fo fr ga gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw
    gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw
    ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mm mn mo mp mq mr ms mt mu
    mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt
    pw py qa re ro rs ru rw sa sb sc sd se sg sh si sk sl sm sn so sr ss st su sv sx sy sz tc
    td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi vn vu wf ws
    ye yt za zm zw
    """.split()  # noqa: SIM905
)
KNOWN_TLDS = GENERIC_TLDS | COUNTRY_TLDS

# Never inside a link: whitespace, controls, the delimiters of RFC 3986 appendix C, typographic
# quotes and invisible format characters (a zero-width space is not \s).
_STOP = '\\s\\x00-\\x1f\\x7f<>"`“”‘’«»‹›\\u200b-\\u200d\\u2060\\ufeff'
_URL_CHAR = f"[^{_STOP}]"
# Dropped from the end of a link, as prose punctuation.
_TRAILING = ".,;:!?'*…"
_CLOSERS = {")": "(", "]": "[", "}": "{"}
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"

_LINK = re.compile(
    rf"""
    (?P<scheme>(?<![a-z0-9+.\-])https?://{_URL_CHAR}+)
    |
    (?<![\w@.+%/=&\#~\-])
    (?P<host>
        www\.(?:{_LABEL}\.)*{_LABEL}\.(?P<wtld>[a-z]{{2,63}}|xn--[a-z0-9-]{{1,59}})
        |
        (?:{_LABEL}\.)+(?P<tld>[a-z]{{2,63}}|xn--[a-z0-9-]{{1,59}})
    )
    (?!\.?[\w@\-])
    (?P<rest>(?::[0-9]{{1,5}})?(?:[/?\#]{_URL_CHAR}*)?)
    """,
    re.IGNORECASE | re.VERBOSE,
)
_BOUNDARY = re.compile(f"[{re.escape(_TRAILING)})\\]}}]*(?:[{_STOP}]|$)")
_HAS_SCHEME = re.compile(r"https?://", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FoundLink:
    """One link in a text: where it is, as written, and where it points."""

    start: int
    end: int
    text: str  # text[start:end] of the body
    url: str  # the target: `text` with `http://` in front when written without a scheme


def find_links(text: str) -> list[FoundLink]:
    """Every link in `text`, in order, not overlapping."""
    found: list[FoundLink] = []
    if "." not in text:  # every link has a dot in its host: most texts end here
        return found
    pos = 0
    while (m := _LINK.search(text, pos)) is not None:
        link = _accept(text, m)
        if link is None:
            pos = m.start() + 1
            continue
        found.append(link)
        pos = link.end
    return found


def replace_links(text: str, short: Callable[[FoundLink], str]) -> tuple[str, list[FoundLink]]:
    """`text` with each link replaced by `short(link)`, and the links found."""
    links = find_links(text)
    if not links:
        return text, links
    out: list[str] = []
    pos = 0
    for link in links:
        out.append(text[pos : link.start])
        out.append(short(link))
        pos = link.end
    out.append(text[pos:])
    return "".join(out), links


def _accept(text: str, m: re.Match[str]) -> FoundLink | None:
    """The link `m` found, trimmed of prose punctuation; None if it is not one after all."""
    start = m.start()
    raw = _trim(m.group(0))
    end = start + len(raw)
    if m.group("scheme") is not None:
        if not _has_host(raw):
            return None
    else:
        host = m.group("host")
        if not host.isascii():  # IGNORECASE lets [a-z] match the Kelvin sign and friends
            return None
        tld = m.group("tld")
        # The regex takes any last label (a list of 300 alternatives costs it 5 times the
        # time); the lookahead after the host makes it the last label of the whole name.
        if tld is not None and not (tld.lower() in KNOWN_TLDS or tld.lower().startswith("xn--")):
            return None
        bare = tld is not None and len(raw) == len(host)
        if bare and tld.istitle():  # "Hello.It's": a missing space, not a host
            return None
    if _BOUNDARY.match(text, end) is None:
        return None
    url = raw if _HAS_SCHEME.match(raw) else "http://" + raw
    return FoundLink(start, end, raw, url)


def _trim(raw: str) -> str:
    while raw and (raw[-1] in _TRAILING or _closes_nothing(raw)):
        raw = raw[:-1]
    return raw


def _closes_nothing(raw: str) -> bool:
    opener = _CLOSERS.get(raw[-1])
    return opener is not None and raw.count(raw[-1]) > raw.count(opener)


def _has_host(raw: str) -> bool:
    """A scheme link names a host with a dot (`localhost` serves no recipient) and a letter or
    digit: `https://x.com` does, `https://` and `http://http://` do not."""
    authority = re.split(r"[/?#]", raw.split("://", 1)[1], maxsplit=1)[0]
    host = authority.rsplit("@", 1)[-1]
    return "." in host and any(c.isalnum() for c in host)
