"""The limits cost microseconds per request: the ingest target is 2,000 req/s, p99 < 50 ms.

Timed as the best of several rounds (the least disturbed by other work on the machine); the
bounds are ten times what a laptop measures, so only a real regression trips them.
"""

from __future__ import annotations

import asyncio
import base64
import time
import timeit
import uuid

from smscast.api.limits import AuthFailureGuard, Limits

ROUNDS, CALLS = 5, 20_000


def limits(**kw) -> Limits:
    args = {
        "rate_per_s": 2000,
        "burst": 10**9,
        "failure_limit": 20,
        "failure_window_s": 60,
        "table_size": 10_000,
    }
    return Limits(**(args | kw))


def best_us(fn) -> float:
    return min(timeit.repeat(fn, number=CALLS, repeat=ROUNDS)) / CALLS * 1e6


def test_a_rate_check_costs_a_few_microseconds():
    lim = limits()
    keys = [uuid.uuid4() for _ in range(1000)]  # a table of a thousand busy keys
    for key in keys:
        lim.check_rate(key)
    key = keys[500]
    cost = best_us(lambda: lim.check_rate(key))
    print(f"\nrate check: {cost:.2f} µs")
    assert cost < 20


def test_the_failed_auth_guard_costs_a_few_microseconds_per_request():
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        pass

    auth = b"Basic " + base64.b64encode(b"ak_" + b"a" * 24 + b":sk_" + b"b" * 43)
    scope = {
        "type": "http",
        "path": "/v1/messages",
        "client": ("203.0.113.9", 50000),
        "headers": [
            (b"host", b"t"),
            (b"content-type", b"application/json"),
            (b"authorization", auth),
        ],
    }
    calm = AuthFailureGuard(app, limits())
    # Under attack: the failure table is full of other sources, so every request looks itself up.
    busy_limits = limits()
    for i in range(10_000):
        busy_limits.failed(f"10.0.{i >> 8}.{i & 255}", None)
    busy = AuthFailureGuard(app, busy_limits)

    def per_request(guard) -> float:
        async def run() -> float:
            best = float("inf")
            for _ in range(ROUNDS):
                t0 = time.perf_counter()
                for _ in range(CALLS):
                    await guard(scope, receive, send)
                best = min(best, time.perf_counter() - t0)
            t0 = time.perf_counter()
            for _ in range(CALLS):
                await app(scope, receive, send)
            bare = time.perf_counter() - t0
            return (best - bare) / CALLS * 1e6

        return asyncio.run(run())

    calm_us, busy_us = per_request(calm), per_request(busy)
    print(f"\nguard: {calm_us:.2f} µs calm, {busy_us:.2f} µs with 10,000 sources tracked")
    assert calm_us < 30 and busy_us < 50
