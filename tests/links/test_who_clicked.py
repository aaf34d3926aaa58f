"""Telling people from previews, prefetches and bots; anonymising their addresses."""

from __future__ import annotations

import pytest

from smscast.links.agents import from_headers, not_human
from smscast.links.clicks import anonymise_ip

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)
CUBOT = (
    "Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36"
)
INSTAGRAM = f"{IPHONE} Instagram 320.0.2.28.105 (iPhone14,5; iOS 17_4; en_US)"


@pytest.mark.parametrize("agent", [IPHONE, ANDROID, CUBOT, INSTAGRAM])
def test_browsers_are_people(agent):
    assert not_human("GET", agent) is None


@pytest.mark.parametrize(
    ("agent", "reason"),
    [
        ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", None),
        ("Mozilla/5.0 (compatible; Slackbot-LinkExpanding 1.0)", "slackbot"),
        ("Twitterbot/1.0", "twitterbot"),
        ("WhatsApp/2.23.20.0 A", "whatsapp"),
        ("TelegramBot (like TwitterBot)", "telegrambot"),
        ("Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)", "discordbot"),
        # iMessage previews announce themselves as these two, behind a Safari user agent.
        (f"{IPHONE} facebookexternalhit/1.1 Facebot Twitterbot/1.0", "facebookexternalhit"),
        ("Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 (Applebot/0.1)", "applebot"),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "googlebot"),
        ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "bingbot"),
        ("Mozilla/5.0 (compatible; YandexBot/3.0)", "crawler"),
        ("LinkedInBot/1.0 (compatible; Mozilla/5.0)", "linkedinbot"),
        ("curl/8.4.0", "curl"),
        ("python-requests/2.31.0", "python-requests"),
        ("Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120.0.0.0", "headlesschrome"),
        ("", "no-user-agent"),
    ],
)
def test_fetchers_are_not_people(agent, reason):
    got = not_human("GET", agent)
    assert got is not None
    if reason is not None:
        assert got == reason


@pytest.mark.parametrize(
    "headers",
    [
        [(b"purpose", b"prefetch")],
        [(b"sec-purpose", b"prefetch")],
        [(b"sec-purpose", b"prefetch;prerender")],
        [(b"x-purpose", b"preview")],
        [(b"x-moz", b"prefetch")],
    ],
)
def test_prefetches_are_not_people(headers):
    agent, purpose = from_headers([(b"user-agent", IPHONE.encode()), *headers])
    assert agent == IPHONE
    assert not_human("GET", agent, purpose) == "prefetch"


def test_headers_are_read_in_one_pass_and_may_be_missing():
    assert from_headers([(b"host", b"x"), (b"accept", b"*/*")]) == ("", None)
    assert not_human("GET", *from_headers([])) == "no-user-agent"


def test_head_is_not_a_person():
    assert not_human("HEAD", IPHONE) == "head"


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("203.0.113.77", "203.0.113.0"),
        ("10.1.2.255", "10.1.2.0"),
        ("2001:db8:85a3:1234:8a2e:370:7334:1", "2001:db8:85a3::"),
        ("2001:db8:85a3:ffff:ffff:ffff:ffff:ffff", "2001:db8:85a3::"),
        ("::ffff:198.51.100.9", "198.51.100.0"),
        ("fe80::1%eth0", "fe80::"),
        ("1.2.3", None),
        ("01.2.3.4", None),
        ("256.1.1.1", None),
        ("1.2.3.4.5", None),
        ("not an address", None),
        ("", None),
        (None, None),
    ],
)
def test_addresses_are_anonymised(raw, stored):
    assert anonymise_ip(raw) == stored
