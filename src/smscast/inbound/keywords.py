"""Keywords a handset can send: normalising a body and deciding what it asks for (pure)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Literal

__all__ = [
    "ACTIONS",
    "BUILT_IN",
    "DEFAULT_REPLIES",
    "MAX_KEYWORD",
    "Action",
    "match",
    "normalise",
]

Action = Literal["stop", "start", "help"]
ACTIONS: tuple[Action, ...] = ("stop", "start", "help")
MAX_KEYWORD = 32

# The CTIA and carrier set every US short code must honour.
BUILT_IN: dict[str, Action] = {
    **dict.fromkeys(
        ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"), "stop"
    ),
    **dict.fromkeys(("START", "YES", "UNSTOP"), "start"),
    **dict.fromkeys(("HELP", "INFO"), "help"),
}

DEFAULT_REPLIES: dict[Action, str] = {
    "stop": "You are unsubscribed and will get no more messages from this number. "
    "Reply START to subscribe again.",
    "start": "You are subscribed again. Reply STOP to unsubscribe, HELP for help.",
    "help": "Reply STOP to unsubscribe. Msg & data rates may apply.",
}


def normalise(text: str) -> str:
    """Upper case, no whitespace, no accents, no punctuation or symbols at either end.

    "  Stop. " -> "STOP", "stop all" -> "STOPALL", "Arrêt!" -> "ARRET". Longer than a keyword
    can be (a real message) gives "", so a sentence that happens to contain STOP is not one.
    """
    if len(text) > 4 * MAX_KEYWORD:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(
        c for c in decomposed if not c.isspace() and unicodedata.category(c) not in ("Mn", "Cf")
    )
    start, end = 0, len(kept)
    while start < end and unicodedata.category(kept[start])[0] in "PS":
        start += 1
    while end > start and unicodedata.category(kept[end - 1])[0] in "PS":
        end -= 1
    word = kept[start:end].upper()
    return word if len(word) <= MAX_KEYWORD else ""


def match(body: str, custom: Mapping[str, Action]) -> tuple[str, Action] | None:
    """The keyword a whole message is, and its action; the account's own words first."""
    word = normalise(body)
    if not word:
        return None
    action = custom.get(word) or BUILT_IN.get(word)
    return (word, action) if action else None
