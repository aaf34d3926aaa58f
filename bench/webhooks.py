"""Benchmark webhook delivery on PostgreSQL: drain an outbox into a local receiver.

Run: .venv/bin/python bench/webhooks.py [--deliveries N] [--concurrency C] [--senders S]

The database is SMSCAST_DATABASE_URL (a PostgreSQL URL), or a scratch database created (and
dropped) on postgresql://postgres@127.0.0.1:5432. A receiver (a bare asyncio HTTP/1.1 server
answering 200, in a subprocess) counts what it gets. Set up, not timed: one account with one
endpoint subscribed to message.delivered, N messages, and their `delivered` events written to
the outbox by `enqueue_message_events` in batches of 1,000, as the dispatch store writes them
(that rate is reported as enqueue_per_s). Also reported: what one batch of 1,000 status changes
costs the dispatch path when nobody subscribed (idle_enqueue_ms, the median of 10). Timed: S
sender processes (one `WebhookSender` each, C requests in flight) signing, POSTing and
recording every delivery, until the outbox has nothing pending.

The last line printed is one JSON object: deliveries_per_s first, then the senders' CPU per
delivery (what carries over to another machine). Exits 0 even when the goal (2,000
deliveries/s) is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from common import database
from smscast.config import Settings
from smscast.db import utcnow
from smscast.migrate import upgrade

GOAL = 2000
BATCH = 1000
_OK = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"


def _loop_run(coro: Any) -> Any:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


# -- the receiver (a subprocess) -----------------------------------------------------------


class _Http(asyncio.Protocol):
    """Just enough HTTP/1.1: find each request's end by Content-Length, answer 200."""

    count = 0

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.buf = b""

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buf[:end].lower()
            at = head.find(b"content-length:")
            size = int(head[at + 15 :].split(b"\r\n", 1)[0]) if at >= 0 else 0
            if len(self.buf) < end + 4 + size:
                return
            self.buf = self.buf[end + 4 + size :]
            _Http.count += 1
            self.transport.write(_OK)


def _receive(port_out: Any, stop: Any) -> None:
    async def serve() -> None:
        server = await asyncio.get_running_loop().create_server(_Http, "127.0.0.1", 0)
        port_out.send(server.sockets[0].getsockname()[1])
        await asyncio.to_thread(stop.wait)
        port_out.send(_Http.count)

    _loop_run(serve())


# -- a sender (a subprocess) ---------------------------------------------------------------


def _send(settings: Settings, concurrency: int, go: Any, done: Any, out: Any) -> None:
    async def send() -> None:
        from smscast.db import Database
        from smscast.webhooks import WebhookSender

        db = Database.from_settings(settings, pool_size=4)
        stop = asyncio.Event()
        sender = WebhookSender(db, settings, concurrency=concurrency, poll_s=0.02)
        await asyncio.to_thread(go.wait)
        cpu = time.process_time()
        task = asyncio.create_task(sender.run(stop))
        await asyncio.to_thread(done.wait)
        stop.set()
        await task
        out.put((time.process_time() - cpu, sender.stats.delivered))
        await db.dispose()

    _loop_run(send())


# -- set-up and measurement ----------------------------------------------------------------


def _rows(account_id: uuid.UUID, count: int) -> list[dict[str, Any]]:
    now = utcnow()
    base = {
        "account_id": account_id,
        "to": "+14155550100",
        "sender": "BENCH",
        "body": "Your order has shipped",
        "encoding": "GSM-7",
        "segments": 1,
        "status": "delivered",
        "tags": ["bench"],
        "metadata": {"order": 1},
        "due_at": now,
        "created_at": now,
        "updated_at": now,
    }
    return [base | {"id": uuid.uuid4()} for _ in range(count)]


async def _prepare(settings: Settings, url: str, n: int) -> tuple[float, float]:
    """Account, endpoint, N messages and their outbox rows; returns (enqueue/s, idle ms)."""
    from sqlalchemy import insert

    from smscast.messages.models import MESSAGES
    from smscast.services import Services
    from smscast.webhooks.outbox import enqueue_message_events

    services = Services.build(settings, pool_size=4)
    try:
        hooked = await services.credentials.create_account("Bench")
        quiet = await services.credentials.create_account("Quiet")
        await services.webhooks.create_endpoint(
            hooked.account.id, url=url, events=["message.delivered"]
        )
        ids: list[uuid.UUID] = []
        for start in range(0, n, BATCH):
            chunk = _rows(hooked.account.id, min(BATCH, n - start))
            async with services.db.begin() as conn:
                await conn.execute(insert(MESSAGES), chunk)
            ids += [r["id"] for r in chunk]
        quiet_rows = _rows(quiet.account.id, BATCH)
        async with services.db.begin() as conn:
            await conn.execute(insert(MESSAGES), quiet_rows)
        now = utcnow()
        t0 = time.perf_counter()
        for start in range(0, n, BATCH):
            async with services.db.begin() as conn:
                await enqueue_message_events(
                    conn, [(m, "delivered", now, None, None) for m in ids[start : start + BATCH]]
                )
        enqueue_per_s = n / (time.perf_counter() - t0)
        idle = []
        events = [(r["id"], "delivered", now, None, None) for r in quiet_rows]
        for _ in range(10):
            async with services.db.begin() as conn:
                t1 = time.perf_counter()
                await enqueue_message_events(conn, events)
                idle.append(time.perf_counter() - t1)
        return enqueue_per_s, sorted(idle)[len(idle) // 2] * 1000
    finally:
        await services.close()


async def _drain(url: str, go: Any, limit_s: float) -> tuple[float, int]:
    """Start the senders; time them until nothing is pending (one connection, 4 polls/s)."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        t0 = time.perf_counter()
        go.set()
        while time.perf_counter() - t0 < limit_s:
            await asyncio.sleep(0.25)
            left = await conn.fetchval(
                "SELECT count(*) FROM webhook_deliveries WHERE state IN ('pending', 'sending')"
            )
            if left == 0:
                break
        seconds = time.perf_counter() - t0
        delivered = await conn.fetchval(
            "SELECT count(*) FROM webhook_deliveries WHERE state = 'delivered'"
        )
        return seconds, int(delivered)
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=30_000)
    parser.add_argument("--concurrency", type=int, default=64, help="in flight per sender")
    parser.add_argument("--senders", type=int, default=2, help="sender processes")
    args = parser.parse_args()
    ctx = multiprocessing.get_context("spawn")
    with database() as url, tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_url=url,
            data_dir=Path(tmp),
            secret_key="bench-secret-key",
            webhook_allow_hosts="127.0.0.1",
            log_level="warning",
        )
        upgrade(settings)
        port_in, port_out = ctx.Pipe(duplex=False)
        stop_receiver = ctx.Event()
        receiver = ctx.Process(target=_receive, args=(port_out, stop_receiver), daemon=True)
        receiver.start()
        port = port_in.recv()
        enqueue_per_s, idle_ms = asyncio.run(
            _prepare(settings, f"http://127.0.0.1:{port}/hooks", args.deliveries)
        )
        go, done, out = ctx.Event(), ctx.Event(), ctx.Queue()
        senders = [
            ctx.Process(target=_send, args=(settings, args.concurrency, go, done, out), daemon=True)
            for _ in range(args.senders)
        ]
        for p in senders:
            p.start()
        time.sleep(3.0)  # let the senders import before the clock starts
        pg_url = url.replace("postgresql+asyncpg://", "postgresql://")
        seconds, delivered = asyncio.run(_drain(pg_url, go, 600))
        done.set()
        spent = [out.get(timeout=60) for _ in senders]
        for p in senders:
            p.join(30)
        stop_receiver.set()
        received = port_in.recv()
        receiver.join(5)
    print(
        json.dumps(
            {
                "deliveries_per_s": round(delivered / seconds),
                "deliveries": delivered,
                "received": received,
                "seconds": round(seconds, 2),
                "senders": args.senders,
                "concurrency": args.concurrency,
                # CPU of the sender processes per delivery: the figure that carries over to
                # another machine (this one's other load does not inflate it much).
                "sender_cpu_us_per_delivery": round(
                    sum(c for c, _ in spent) / max(1, sum(n for _, n in spent)) * 1e6
                ),
                "enqueue_per_s": round(enqueue_per_s),
                "idle_enqueue_ms": round(idle_ms, 2),
                "goal": GOAL,
                "cpus": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
