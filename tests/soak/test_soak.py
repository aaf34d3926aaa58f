"""A soak: a real server under a steady, bounded load for a while; memory must stay flat.

`make soak` runs it for 60 s on SQLite, then on PostgreSQL (SMSCAST_SOAK_S=60). In the
ordinary suite it runs for 5 s, as a smoke test of the same path, without the memory check.

The load is open-loop at RATE requests a second from 127.0.0.1, a mix of what clients do:
single sends (most), reads of a sent message, list pages, small bulk sends, and now and then
a new access token from the token endpoint that the next requests use (each token would be
one more entry in the credential cache, were the cache not bounded).
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.conftest import Tenant
from tests.faults.server import LiveServer, create_tenant, live_server

if TYPE_CHECKING:
    from tests.conftest import TestDatabase

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

SECONDS = float(os.environ.get("SMSCAST_SOAK_S", "5"))
RATE = float(os.environ.get("SMSCAST_SOAK_RATE", "200"))
CLIENTS = 16
MEMORY_CHECK_FROM_S = 30  # shorter runs are smoke tests: no steady state to measure
MAX_GROWTH_KIB = 24 * 1024  # after warm-up; Python's allocator keeps some pools


@dataclass
class Stats:
    statuses: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    rss: list[tuple[float, int]] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def count(self, status: int) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1


async def one_request(
    client: httpx.AsyncClient, rng: random.Random, auth: dict[str, str], stats: Stats, i: int
) -> None:
    roll = rng.random()
    if roll < 0.70 or not stats.sent:
        r = await client.post(
            "/v1/messages",
            json={"to": f"+1415555{rng.randint(0, 9999):04d}", "body": f"m{i}"},
            headers=auth,
        )
        if r.status_code == 201:
            stats.sent.append(r.json()["id"])
            del stats.sent[:-1000]
    elif roll < 0.85:
        r = await client.get(f"/v1/messages/{rng.choice(stats.sent)}", headers=auth)
    elif roll < 0.95:
        r = await client.get("/v1/messages", params={"limit": 20}, headers=auth)
    else:
        batch = [{"to": f"+1415555{rng.randint(0, 9999):04d}", "body": "b"} for _ in range(10)]
        r = await client.post("/v1/messages/bulk", json={"messages": batch}, headers=auth)
    stats.count(r.status_code)


async def load(server: LiveServer, tenant: Tenant, stats: Stats) -> None:
    started = time.monotonic()
    deadline = started + SECONDS
    auth = dict(tenant.basic)

    async def client_loop(c: int) -> None:
        rng = random.Random(c)
        interval = CLIENTS / RATE
        nxt = time.monotonic() + rng.random() * interval
        i = 0
        limits = httpx.Limits(max_connections=2)
        async with httpx.AsyncClient(base_url=server.url, timeout=30, limits=limits) as client:
            while nxt < deadline:
                await asyncio.sleep(max(0.0, nxt - time.monotonic()))
                nxt += interval
                i += 1
                if c == 0 and i % 50 == 0:  # a fresh token now and then, used from then on
                    r = await client.post(
                        "/v1/oauth/token",
                        data={"grant_type": "client_credentials"},
                        headers=tenant.basic,
                    )
                    stats.count(r.status_code)
                    auth["Authorization"] = f"Bearer {r.json()['access_token']}"
                t0 = time.monotonic()
                try:
                    await one_request(client, rng, auth, stats, i)
                except httpx.TransportError as exc:  # the server dropped the connection
                    stats.count(-1)
                    stats.errors.append(f"{type(exc).__name__} {exc}")
                stats.latencies.append(time.monotonic() - t0)

    async def sample() -> None:
        while time.monotonic() < deadline:
            stats.rss.append((time.monotonic() - started, server.rss_kib()))
            await asyncio.sleep(1)

    await asyncio.gather(sample(), *(client_loop(c) for c in range(CLIENTS)))


@pytest.mark.timeout(SECONDS + 300)  # server start-up and teardown on a busy machine
async def test_memory_stays_flat_under_a_steady_load(test_db: TestDatabase, tmp_path: Path):
    url = test_db.fresh(tmp_path)
    tenant = create_tenant(url, tmp_path)
    stats = Stats()
    with live_server(url, tmp_path) as server:
        await load(server, tenant, stats)
        end_rss = server.rss_kib()
        log = server.log.read_text()
    total = sum(stats.statuses.values())
    lat = sorted(stats.latencies)
    warm = [kib for t, kib in stats.rss if t >= min(10, SECONDS / 3)]
    first = warm[0] if warm else stats.rss[0][1]
    print(
        f"\nsoak {test_db.backend}: {SECONDS:.0f} s, {total} requests "
        f"({total / SECONDS:.0f}/s), statuses {dict(sorted(stats.statuses.items()))}, "
        f"p50 {lat[len(lat) // 2] * 1000:.1f} ms, p99 {lat[int(len(lat) * 0.99)] * 1000:.1f} ms; "
        f"RSS {stats.rss[0][1] // 1024} MiB at start, {first // 1024} MiB after warm-up, "
        f"{end_rss // 1024} MiB at the end ({(end_rss - first) / 1024:+.1f} MiB); every 10 s: "
        + " ".join(f"{kib / 1024:.1f}" for t, kib in stats.rss[::10])
    )
    assert set(stats.statuses) <= {200, 201}, (stats.statuses, stats.errors[:3], log[-3000:])
    assert total >= 0.5 * RATE * SECONDS, "the load fell far behind its rate"
    assert "Traceback" not in log, log[-3000:]
    if SECONDS >= MEMORY_CHECK_FROM_S:
        assert end_rss - first <= MAX_GROWTH_KIB, stats.rss
