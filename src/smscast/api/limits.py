"""Abuse limits: a request rate per API key, and a slowdown for failed authentication.

Both are token buckets held in this process, so they cost a dictionary lookup and a few
float operations per request, not a database round trip. The price: with N API processes
(`--workers N`, or N hosts) each keeps its own buckets and the effective limits are N times
the configured ones. Configure them per process.

- Rate: each API key may make `rate_limit_per_s` requests a second, with bursts up to
  `rate_limit_burst`; past that the answer is 429 with Retry-After. Checked in
  `api.deps.authenticate`, once the key is known.
- Failed authentication: each source address (IPv6 by its /64) and each API key named in
  Basic credentials has a budget of `auth_failure_limit` failures, refilled over
  `auth_failure_window_s`. An authentication attempt (a request carrying an Authorization
  or X-Api-Key header, or sent to a credential path such as the token endpoint) that is
  answered 401 spends one; while a budget is spent, that source's or key's attempts are
  answered 429 before any credential is looked at. Requests without credentials (a link
  click, a health check) are never slowed, whoever shares their address. Failures are
  counted as answers come back, so attempts already in flight when a budget runs out still
  get their answer: a burst costs at most its own concurrency, once.

Every table holds at most `limit_table_size` entries; the least recently used goes first,
so memory stays bounded whatever an attacker sends (at the cost of forgetting the oldest
offender when flooded from more addresses than that).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smscast.config import Settings
from smscast.errors import RateLimited

__all__ = ["AuthFailureGuard", "Limits", "TokenBuckets"]


class TokenBuckets:
    """Token buckets by key: `rate` tokens a second, at most `burst` saved; `size` keys kept.

    A bucket that has refilled to the brim is the same as no bucket, so it is dropped.
    """

    __slots__ = ("_buckets", "burst", "clock", "rate", "size")

    def __init__(
        self,
        rate: float,
        burst: float,
        *,
        size: int,
        clock: Callable[[], float] = time.monotonic,
    ):
        if rate <= 0 or burst < 1 or size < 1:
            raise ValueError("a token bucket needs rate > 0, burst >= 1 and size >= 1")
        self.rate = rate
        self.burst = float(burst)
        self.size = size
        self.clock = clock
        self._buckets: OrderedDict[Hashable, list[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def _level(self, key: Hashable, now: float) -> float:
        bucket = self._buckets.get(key)
        if bucket is None:
            return self.burst
        return min(self.burst, bucket[0] + (now - bucket[1]) * self.rate)

    def take(self, key: Hashable) -> float:
        """Spend one token: 0.0 if there was one, else the seconds until there will be."""
        now = self.clock()
        level = self._level(key, now)
        if level < 1.0:
            return (1.0 - level) / self.rate
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.size:
                self._buckets.popitem(last=False)
            self._buckets[key] = [level - 1.0, now]
        else:
            bucket[0], bucket[1] = level - 1.0, now
            self._buckets.move_to_end(key)
        return 0.0

    def wait(self, key: Hashable) -> float:
        """The seconds until `key` has a token (0.0 now), without spending one."""
        if not self._buckets:  # the common case: nobody is being limited
            return 0.0
        bucket = self._buckets.get(key)
        if bucket is None:
            return 0.0
        level = self._level(key, self.clock())
        if level >= self.burst:
            del self._buckets[key]
            return 0.0
        return 0.0 if level >= 1.0 else (1.0 - level) / self.rate


def retry_after(wait: float) -> int:
    """Whole seconds for a Retry-After header: at least 1."""
    return max(1, math.ceil(wait))


def source_of(scope: Scope) -> str:
    """The client address as the server saw it; IPv6 by its /64, one subscriber's share.

    Behind a reverse proxy this is the proxy, unless the server is told to trust its
    forwarding headers (uvicorn's --forwarded-allow-ips).
    """
    client = scope.get("client")
    host = client[0] if client else ""
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host).packed[:8].hex() + "::/64"
        except ValueError:
            return host
    return host


def basic_key(authorization: bytes) -> str | None:
    """The API key named in Basic credentials, None if there is none to read."""
    scheme, _, value = authorization.partition(b" ")
    if scheme.lower() != b"basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    key, sep, _ = decoded.partition(b":")
    if not sep or not key or len(key) > 64:
        return None
    return key.decode("latin-1")


class Limits:
    """The buckets of one process: request rate per key, failed authentications."""

    def __init__(
        self,
        *,
        rate_per_s: float,
        burst: int,
        failure_limit: int,
        failure_window_s: float,
        table_size: int,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.rate = (
            TokenBuckets(rate_per_s, burst, size=table_size, clock=clock)
            if rate_per_s > 0
            else None
        )
        self.failures = (
            TokenBuckets(
                failure_limit / failure_window_s, failure_limit, size=table_size, clock=clock
            )
            if failure_limit > 0
            else None
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            rate_per_s=settings.rate_limit_per_s,
            burst=settings.rate_limit_burst,
            failure_limit=settings.auth_failure_limit,
            failure_window_s=settings.auth_failure_window_s,
            table_size=settings.limit_table_size,
        )

    def check_rate(self, key: Hashable) -> None:
        """Spend one request of `key`'s rate, or raise RateLimited."""
        if self.rate is None:
            return
        wait = self.rate.take(key)
        if wait:
            raise RateLimited(
                "Too many requests for this API key; slow down.", retry_after=retry_after(wait)
            )

    def failure_wait(self, source: str, key: str | None) -> float:
        """Seconds before this source (and key) may try authenticating again; 0.0 if now."""
        if self.failures is None:
            return 0.0
        wait = self.failures.wait(("ip", source))
        if key is not None:
            wait = max(wait, self.failures.wait(("key", key)))
        return wait

    def failed(self, source: str, key: str | None) -> None:
        """Record a failed authentication from `source`, naming `key` if it did."""
        if self.failures is None:
            return
        self.failures.take(("ip", source))
        if key is not None:
            self.failures.take(("key", key))


_TOO_MANY_FAILURES = (
    b'{"type":"https://smscast.dev/problems/rate-limited","title":"Too many requests",'
    b'"status":429,"detail":"Too many failed authentication attempts; retry later."}'
)


class AuthFailureGuard:
    """ASGI middleware: count 401s to authentication attempts; refuse those who failed too often.

    It reads only headers and the response status, never the body, so it costs nothing
    measurable on requests without credentials and a few microseconds on those with them.
    """

    def __init__(self, app: ASGIApp, limits: Limits, credential_paths: Iterable[str] = ()):
        self.app = app
        self.limits = limits
        self.credential_paths = frozenset(credential_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.limits.failures is None:
            await self.app(scope, receive, send)
            return
        authorization = None
        attempt = scope["path"] in self.credential_paths
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization, attempt = value, True
            elif name == b"x-api-key":
                attempt = True
        if not attempt:
            await self.app(scope, receive, send)
            return
        source = source_of(scope)
        key = basic_key(authorization) if authorization else None
        wait = self.limits.failure_wait(source, key)
        if wait:
            await _refuse(send, retry_after(wait))
            return

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 401:
                self.limits.failed(source, key)
            await send(message)

        await self.app(scope, receive, watch)


async def _refuse(send: Send, after: int) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"retry-after", str(after).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": _TOO_MANY_FAILURES})
