"""Short codes: random base62 strings from `secrets`, never sequential, fixed length.

Seven characters give 62**7 ≈ 3.5e12 codes: guessing one live code among a hundred million
takes some 35,000 tries on average, each one a request we answer 404. The length is fixed, so a
code replaced after a collision leaves the body's length, and so its segments, unchanged.
"""

from __future__ import annotations

import re
import secrets

__all__ = ["ALPHABET", "is_code", "new_code"]

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CODE = re.compile(r"[0-9A-Za-z]{7,16}")


def new_code(length: int = 7) -> str:
    """A uniformly random code of exactly `length` base62 characters."""
    n = secrets.randbelow(62**length)
    out = []
    for _ in range(length):
        n, digit = divmod(n, 62)
        out.append(ALPHABET[digit])
    return "".join(out)


def is_code(text: str) -> bool:
    """Whether `text` could be a code at all; anything else is 404 without a lookup."""
    return _CODE.fullmatch(text) is not None
