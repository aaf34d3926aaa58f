"""Who is asking for a short URL: a person, or a machine that should not count as a click.

Messaging apps fetch a link as soon as the message shows, to draw its preview (WhatsApp,
Telegram, iMessage, Slack...), browsers prefetch, crawlers follow. Those requests still
redirect and are recorded, with the reason, but are not counted as human clicks. iMessage's
preview fetcher sends a user agent that names facebookexternalhit and Twitterbot, so the list
catches it without a rule of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

__all__ = ["from_headers", "not_human"]

# Case-insensitive substrings of known fetchers. Not in-app browsers (Snapchat, Viber,
# Pinterest, Yandex): a person who taps a link there sends their name too.
_FETCHERS = (
    "facebookexternalhit",
    "facebookcatalog",
    "facebot",
    "meta-externalagent",
    "slackbot",
    "slack-imgproxy",
    "telegrambot",
    "twitterbot",
    "whatsapp",
    "discordbot",
    "applebot",
    "googlebot",
    "google-inspectiontool",
    "googleother",
    "adsbot-google",
    "mediapartners-google",
    "feedfetcher-google",
    "google-pagerenderer",
    "bingbot",
    "bingpreview",
    "msnbot",
    "baiduspider",
    "duckduckbot",
    "linkedinbot",
    "pinterestbot",
    "redditbot",
    "skypeuripreview",
    "microsoftpreview",
    "embedly",
    "iframely",
    "vkshare",
    "mastodon",
    "google-read-aloud",
    "chrome-lighthouse",
    "headlesschrome",
    "python-requests",
    "python-httpx",
    "python-urllib",
    "aiohttp",
    "go-http-client",
    "curl/",
    "wget/",
    "libwww-perl",
    "okhttp",
    "java/",
    "axios/",
    "node-fetch",
    "scrapy",
)
_FETCHER = re.compile("|".join(re.escape(token) for token in _FETCHERS))
# Generic crawler words ending a word ("YandexBot/3.0", "x-spider"), except the Cubot phone
# brand, which ordinary browsers on those phones send.
_GENERIC = re.compile(r"(?:bot|crawler|spider)\b")
_PURPOSE_HEADERS = frozenset({b"purpose", b"sec-purpose", b"x-purpose", b"x-moz"})


def from_headers(headers: Iterable[tuple[bytes, bytes]]) -> tuple[str, str | None]:
    """The user agent and the prefetch purpose (if any) of raw ASGI headers, in one pass."""
    agent, purpose = "", None
    for name, value in headers:
        if name == b"user-agent":
            agent = value.decode("latin-1")
        elif name in _PURPOSE_HEADERS:
            purpose = value.decode("latin-1")
    return agent, purpose


def not_human(method: str, user_agent: str, purpose: str | None = None) -> str | None:
    """Why this request is not a person's click (at most 64 characters); None if it is one."""
    if method == "HEAD":
        return "head"
    if purpose is not None and ("prefetch" in purpose.lower() or "preview" in purpose.lower()):
        return "prefetch"
    return _agent(user_agent)


@lru_cache(maxsize=4096)
def _agent(user_agent: str) -> str | None:
    # Cached: a few hundred phone and app user agents make most of the traffic.
    if not user_agent.strip():
        return "no-user-agent"
    lowered = user_agent.lower()
    found = _FETCHER.search(lowered)  # the leftmost: "TelegramBot (like TwitterBot)"
    if found is not None:
        return found.group(0).rstrip("/")
    if _GENERIC.search(lowered.replace("cubot", "")):
        return "crawler"
    return None
