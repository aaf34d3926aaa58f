"""Ingest: bulk (1,000-message requests, 4 clients) and single-message POSTs on PostgreSQL.

Goals (issue 2): >= 15,000 messages/s accepted in bulk; >= 2,000 single requests/s with p99
under 50 ms. Runs `smscast serve --workers 2` (API only) against PostgreSQL.

    .venv/bin/python bench/ingest.py            # env: SECONDS=10 SINGLE_CLIENTS=64
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import HttpConnection, create_account, database, env_for, free_port, percentile, server

SECONDS = float(os.environ.get("SECONDS", "10"))
BULK_CLIENTS = 4
SINGLE_CLIENTS = int(os.environ.get("SINGLE_CLIENTS", "64"))
AREA = [201, 202, 212, 213, 305, 312, 404, 415, 503, 617, 646, 702, 713, 718, 805, 917]


def numbers(rng: random.Random, n: int) -> list[str]:
    return [
        f"+1{rng.choice(AREA)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}" for _ in range(n)
    ]


async def bulk(port: int, auth: dict[str, str]) -> dict[str, float]:
    rng = random.Random(1)
    bodies = [
        json.dumps(
            {
                "messages": [
                    {
                        "to": to,
                        "body": f"Your code is {rng.randint(1000, 9999)}. Spring sale ends soon!",
                    }
                    for to in numbers(rng, 1000)
                ]
            }
        ).encode()
        for _ in range(20)
    ]
    accepted = rejected = 0
    stop_at = time.monotonic() + SECONDS

    async def client(i: int) -> None:
        nonlocal accepted, rejected
        conn = HttpConnection(port, auth)
        await conn.open()
        k = i
        while time.monotonic() < stop_at:
            status, payload = await conn.post("/v1/messages/bulk", bodies[k % len(bodies)])
            k += BULK_CLIENTS
            if status != 201:
                raise RuntimeError(f"bulk answered {status}: {payload[:200]!r}")
            result = json.loads(payload)
            accepted += result["accepted"]
            rejected += result["rejected"]
        conn.close()

    start = time.monotonic()
    await asyncio.gather(*(client(i) for i in range(BULK_CLIENTS)))
    elapsed = time.monotonic() - start
    return {"bulk_msgs_per_s": round(accepted / elapsed), "bulk_rejected": rejected}


async def single(port: int, auth: dict[str, str]) -> dict[str, float]:
    rng = random.Random(2)
    pool = [
        json.dumps({"to": to, "body": "Your verification code is 482913"}).encode()
        for to in numbers(rng, 20000)
    ]
    latencies: list[float] = []
    errors = 0
    warmup_until = time.monotonic() + 1.0
    stop_at = warmup_until + SECONDS

    async def client(i: int) -> None:
        nonlocal errors
        conn = HttpConnection(port, auth)
        await conn.open()
        k = i
        while time.monotonic() < stop_at:
            t0 = time.monotonic()
            status, _ = await conn.post("/v1/messages", pool[k % len(pool)])
            k += SINGLE_CLIENTS
            if t0 >= warmup_until:
                latencies.append(time.monotonic() - t0)
                errors += status != 201
        conn.close()

    await asyncio.gather(*(client(i) for i in range(SINGLE_CLIENTS)))
    return {
        "single_req_per_s": round(len(latencies) / SECONDS),
        "single_p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "single_p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "single_errors": errors,
    }


def main() -> None:
    with database() as url, tempfile.TemporaryDirectory() as tmp:
        env = env_for(url, tmp, SMSCAST_EMBEDDED_WORKER="false", SMSCAST_CREDENTIAL_CACHE_S="30")
        account = create_account(env)
        token = base64.b64encode(f"{account['api_key']}:{account['api_secret']}".encode()).decode()
        auth = {"Authorization": f"Basic {token}"}
        port = free_port()
        with server(env, "--workers", "2", port=port):
            figures = asyncio.run(bulk(port, auth))
            figures |= asyncio.run(single(port, auth))
    figures |= {"seconds": SECONDS, "bulk_clients": BULK_CLIENTS, "single_clients": SINGLE_CLIENTS}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
