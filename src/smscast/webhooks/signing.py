"""Signatures: HMAC-SHA256 over "{t}.{raw body}", sent as `Smscast-Signature: t=..,v1=..`.

During a secret rotation the header carries one `v1=` per live secret (new first, then the
old one until its overlap ends), so a receiver that knows either secret verifies.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable

__all__ = ["HEADER", "SignatureError", "new_secret", "sign", "signature_header", "verify"]

HEADER = "Smscast-Signature"
TOLERANCE_S = 300


class SignatureError(ValueError):
    """The signature header is missing, malformed, stale, or matches no secret."""


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, t: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `{t}.{body}` under `secret`."""
    return hmac.new(secret.encode(), b"%d." % t + body, hashlib.sha256).hexdigest()


def signature_header(live_secrets: Iterable[str], t: int, body: bytes) -> str:
    return ",".join([f"t={t}", *(f"v1={sign(s, t, body)}" for s in live_secrets)])


def verify(
    header: str,
    body: bytes,
    secret: str,
    *,
    tolerance_s: int = TOLERANCE_S,
    now: float | None = None,
) -> int:
    """Check a signature header against `body` and `secret`; return its timestamp.

    This is what a receiver runs (docs/webhooks.md has the same in a few lines).
    """
    t: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            t = int(value)
        elif key == "v1":
            candidates.append(value)
    if t is None or not candidates:
        raise SignatureError("no t= or v1= in the signature header")
    if abs((time.time() if now is None else now) - t) > tolerance_s:
        raise SignatureError("signature timestamp outside the tolerance")
    expected = sign(secret, t, body)
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise SignatureError("no signature matches")
    return t
