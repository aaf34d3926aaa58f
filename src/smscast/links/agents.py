"""Who is asking for a short URL: a person, or a machine that should not count as a click.

Messaging apps fetch a link as soon as the message shows, to draw its preview (WhatsApp,
Telegram, iMessage, Slack...), browsers prefetch, crawlers follow. Those requests still
redirect and are recorded, with the reason, but are not counted as human clicks. iMessage's
preview fetcher sends a user agent that names facebookexternalhit and Twitterbot, so the list
catches it without a rule of its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["not_human"]

# Case-insensitive substrings of known fetchers. Not in-app browsers (Snapchat, Viber,
# Pinterest, Yandex): a person who taps a link there sends their name too.
_FETCHERS = (
    "facebookexternalhit",
    "facebookcatalog",
    "facebot",
    "meta-externalagent",
    "slackbot",
    "slack-imgproxy",
    "twitterbot",
    "whatsapp",
    "telegrambot",
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
# Generic crawler words ending a word ("YandexBot/3.0", "x-spider"), except the Cubot phone
# brand, which ordinary browsers on those phones send.
_GENERIC = re.compile(r"(?:bot|crawler|spider)\b", re.IGNORECASE)
_NOT_GENERIC = re.compile(r"cubot", re.IGNORECASE)
_PREFETCH_HEADERS = ("purpose", "sec-purpose", "x-purpose", "x-moz")


def not_human(method: str, headers: Mapping[str, str]) -> str | None:
    """Why this request is not a person's click (at most 64 characters); None if it is one."""
    if method == "HEAD":
        return "head"
    for name in _PREFETCH_HEADERS:
        value = headers.get(name)
        if value and ("prefetch" in value.lower() or "preview" in value.lower()):
            return "prefetch"
    agent = headers.get("user-agent", "")
    if not agent.strip():
        return "no-user-agent"
    lowered = agent.lower()
    for token in _FETCHERS:
        if token in lowered:
            return token.rstrip("/")
    if _GENERIC.search(_NOT_GENERIC.sub("", agent)):
        return "crawler"
    return None
