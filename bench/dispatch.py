"""Dispatch: 100,000 queued messages drained through the SMPP connector to the simulator
running in another process, on PostgreSQL, delivery receipts included.

In the same run it measures a bare smpp34 client against the same simulator (the ceiling of
this machine) and prints {"end_to_end_per_s", "raw_smpp_per_s", "ratio"}. Goals (issue 4):
>= 6,500 messages/s end to end and a ratio >= 0.8.

    .venv/bin/python bench/dispatch.py          # env: COUNT=100000 BINDS=4
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import database, free_port
from smscast.config import Settings
from smscast.connectors.smpp import SmppConfig, SmppConnector
from smscast.dispatch import Route, Router, SqlStore, Worker, WorkerConfig
from smscast.migrate import upgrade
from smscast.services import Services

COUNT = int(os.environ.get("COUNT", "100000"))
BINDS = int(os.environ.get("BINDS", "4"))


def start_simulator(port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "smscast.connectors.simulator",
            "--port",
            str(port),
            "--receipt-delay-ms",
            "20",
        ],
        stdout=subprocess.DEVNULL,
    )
    import socket

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("simulator did not start")


async def fill(services: Services, count: int) -> None:
    """Queue `count` messages the way the bulk API does (prepare + group writer)."""
    from smscast.accounts.service import Principal
    from smscast.db import utcnow
    from smscast.messages.schemas import MessageIn
    from smscast.messages.writer import WriteSet

    ident = await services.credentials.create_account("Bench")
    principal = Principal(ident.account.id, ident.key.key_id, "US", {})
    for start in range(0, count, 5000):
        ws = WriteSet()
        now = utcnow()
        for i in range(start, min(count, start + 5000)):
            one = services.messages.prepare(
                principal,
                MessageIn(
                    to=f"+1415{2000000 + i:07d}",
                    body=f"Your code is {i % 10000:04d}",
                    **{"from": "12345"},
                ),
                now,
            )
            ws.messages += one.messages
            ws.events += one.events
        await services.writer.write(ws)


async def remaining(services: Services) -> int:
    from sqlalchemy import func, select

    from smscast.messages.models import MESSAGES

    async with services.db.begin() as conn:
        return int(
            (
                await conn.execute(
                    select(func.count())
                    .select_from(MESSAGES)
                    .where(
                        MESSAGES.c.status.notin_(("delivered", "undelivered", "failed", "expired"))
                    )
                )
            ).scalar_one()
        )


async def end_to_end(services: Services, port: int) -> float:
    connector = SmppConnector(
        "sim",
        SmppConfig(
            host="127.0.0.1",
            port=port,
            system_id="bench",
            password="bench",
            binds=BINDS,
            window=256,
        ),
    )
    worker = Worker(
        SqlStore(services.db),
        {"sim": connector},
        Router([Route("sim", is_default=True)]),
        WorkerConfig(batch=1000, max_in_flight=4000, flush_s=0.02),
    )
    stop = asyncio.Event()
    start = time.monotonic()
    task = asyncio.create_task(worker.run(stop))
    while await remaining(services):
        await asyncio.sleep(0.25)
        if task.done():
            raise RuntimeError(f"worker stopped: {task.exception()}")
    elapsed = time.monotonic() - start
    stop.set()
    await task
    return COUNT / elapsed


def raw(port: int) -> float:
    import smpp_raw  # the bare smpp34 client (bench/smpp_raw.py)

    return asyncio.run(smpp_raw.raw_rate("127.0.0.1", port, COUNT, BINDS))


def main() -> None:
    port = free_port()
    sim = start_simulator(port)
    try:
        raw_rate = raw(port)
        with database() as url, tempfile.TemporaryDirectory() as tmp:
            settings = Settings(database_url=url, data_dir=Path(tmp), secret_key="bench")
            upgrade(settings)

            async def run() -> float:
                services = Services.build(settings, pool_size=8)
                try:
                    await fill(services, COUNT)
                    return await end_to_end(services, port)
                finally:
                    await services.close()

            e2e = asyncio.run(run())
    finally:
        sim.terminate()
        sim.wait(10)
    print(
        json.dumps(
            {
                "end_to_end_per_s": round(e2e),
                "raw_smpp_per_s": round(raw_rate),
                "ratio": round(e2e / raw_rate, 3) if raw_rate else None,
                "count": COUNT,
                "binds": BINDS,
            }
        )
    )


if __name__ == "__main__":
    main()
