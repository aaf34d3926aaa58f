"""Token buckets for a connector's messages and segments per second."""

from __future__ import annotations

import asyncio
import time

__all__ = ["TokenBucket"]


class TokenBucket:
    """`rate` tokens per second, bursts of up to `burst`. `rate=None` means unlimited."""

    def __init__(self, rate: float | None, burst: float | None = None):
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, (rate or 0) / 10)
        self._tokens = self.burst
        self._at = time.monotonic()
        self._lock = asyncio.Lock()

    def set_rate(self, rate: float | None) -> None:
        self.rate = rate
        self.burst = max(1.0, (rate or 0) / 10)

    async def take(self, n: float = 1.0) -> None:
        if self.rate is None:
            return
        async with self._lock:  # FIFO: one waiter refills at a time
            while True:
                now = time.monotonic()
                self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
                self._at = now
                if self._tokens >= min(n, self.burst):
                    self._tokens -= n  # may go negative for an oversize take: pays it back
                    return
                await asyncio.sleep((min(n, self.burst) - self._tokens) / self.rate)
