"""PostgreSQL goes away for seconds under a steady stream of sends: 503s meanwhile, never a
500; the service recovers by itself; every message acknowledged with 201 is stored.

The outage is made on the server's own scratch database only (the PostgreSQL server is
shared and stays up): first every connection is terminated, again and again, then the
database also refuses new connections (ALLOW_CONNECTIONS false) for a while.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg
import httpx
import pytest

from tests.faults.server import create_tenant, live_server

if TYPE_CHECKING:
    from tests.conftest import TestDatabase

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

SENDERS = 8
HEALTHY_S = 2.0
TERMINATE_S = 1.5
REFUSE_S = 1.5
RECOVERY_S = 4.0
SETTLED_AFTER_S = 2.0  # after the outage ends, every answer must be a 201 again


@dataclass
class Tally:
    answers: list[tuple[float, int]] = field(default_factory=list)  # (when, status)
    acknowledged: list[uuid.UUID] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)


async def send_steadily(client: httpx.AsyncClient, auth: dict, tally: Tally, stop, i: int):
    n = 0
    while not stop.is_set():
        n += 1
        try:
            r = await client.post(
                "/v1/messages", json={"to": "+14155550100", "body": f"s{i}-{n}"}, headers=auth
            )
        except httpx.TransportError as exc:  # the server dropped the connection
            tally.bad.append(f"{type(exc).__name__}: {exc}")
            continue
        tally.answers.append((time.monotonic(), r.status_code))
        if r.status_code == 201:
            tally.acknowledged.append(uuid.UUID(r.json()["id"]))
        elif r.status_code == 503:
            if r.headers.get("content-type") != "application/problem+json":
                tally.bad.append(f"503 as {r.headers.get('content-type')}")
            elif not r.headers.get("retry-after", "").isdigit():
                tally.bad.append("503 without Retry-After")
        else:
            tally.bad.append(f"{r.status_code}: {r.text[:200]}")
        await asyncio.sleep(0.005)


async def outage(admin_url: str, database: str) -> None:
    admin = await asyncpg.connect(admin_url)
    kill = (
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = $1 AND pid <> pg_backend_pid()"
    )
    try:
        until = time.monotonic() + TERMINATE_S
        while time.monotonic() < until:
            await admin.execute(kill, database)
            await asyncio.sleep(0.05)
        await admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
        until = time.monotonic() + REFUSE_S
        while time.monotonic() < until:
            await admin.execute(kill, database)
            await asyncio.sleep(0.05)
    finally:
        await admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
        await admin.close()


async def stored(url: str, ids: list[uuid.UUID]) -> int:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval("SELECT count(*) FROM messages WHERE id = ANY($1::uuid[])", ids)
    finally:
        await conn.close()


async def test_an_outage_under_load_is_503_then_heals_and_loses_nothing(
    test_db: TestDatabase, tmp_path: Path
):
    if test_db.backend != "postgresql":
        pytest.skip(
            "needs PostgreSQL (set SMSCAST_TEST_DATABASE_URL): connections are terminated "
            "server-side; SQLite's fault, a locked file, is test_sqlite_locked_file"
        )
    url = test_db.fresh(tmp_path)
    database = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    tenant = create_tenant(url, tmp_path)
    tally = Tally()
    stop = asyncio.Event()
    with live_server(url, tmp_path) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            senders = [
                asyncio.create_task(send_steadily(client, tenant.basic, tally, stop, i))
                for i in range(SENDERS)
            ]
            await asyncio.sleep(HEALTHY_S)
            began = time.monotonic()
            await outage(admin_url, database)
            ended = time.monotonic()
            await asyncio.sleep(RECOVERY_S)
            stop.set()
            await asyncio.gather(*senders)
        log = server.log.read_text()

    before = [s for t, s in tally.answers if t < began]
    during = [s for t, s in tally.answers if began <= t <= ended + SETTLED_AFTER_S]
    after = [s for t, s in tally.answers if t > ended + SETTLED_AFTER_S]
    assert not tally.bad, (tally.bad[:5], log[-4000:])
    assert before and set(before) == {201}
    assert 503 in during, "the outage was never seen: nothing was tested"
    assert after and set(after) == {201}, "the service did not recover by itself"
    assert "Traceback" not in log, log[-3000:]
    # Nothing acknowledged is lost.
    assert await stored(url, tally.acknowledged) == len(tally.acknowledged)
    print(
        f"\nanswers: {len(tally.answers)}, 201: {len(tally.acknowledged)}, "
        f"503: {during.count(503)} during a {ended - began:.1f} s outage"
    )
