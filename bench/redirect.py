"""Benchmark short-URL redirects (GET /l/{code}) with their clicks recorded, on PostgreSQL.

Run: .venv/bin/python bench/redirect.py [--links N] [--requests N] [--connections N]

Starts the API alone (uvicorn, one process, what `smscast serve` runs) against
SMSCAST_DATABASE_URL, or against a scratch database on the local PostgreSQL that is created and
dropped here. Creates `--links` short links through POST /v1/messages/bulk with shorten_links,
then GETs random codes (so the first request for a code is a database lookup and later ones
hit the cache; with the defaults about one in four is cold) over keep-alive connections on
127.0.0.1. Every answer must be a 302 to the link's own URL. At the end, waits until every
click of every pass is in link_clicks.

Two load generators, one after the other:

- httpx.AsyncClient (`--httpx-requests`, several connections): the client the tests use;
- a bare HTTP/1.1 client (`--requests`), for the headline figure. On this machine httpx
  spends about 1 ms of CPU per request (half of it a failed `import sniffio` that httpcore
  retries on every call), so it cannot drive 2,000 requests a second on the core the server
  leaves free; the bare client spends about 60 us, so the figure measures the server.

The last line printed is one JSON object, "redirects_per_s" first. Exits 0 even when the goal
(2,000 per second on two cores) is missed: the figure is for docs/performance.md, not a gate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg

try:
    import sniffio  # noqa: F401
except ImportError:  # httpcore imports it on each request; a miss searches all of sys.path
    sys.modules["sniffio"] = None  # type: ignore[assignment]
import httpx

GOAL = 2000
LOCAL_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
BROWSER = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
Get = Callable[[str], Awaitable[tuple[int, str | None]]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def admin(sql: str) -> None:
    conn = await asyncpg.connect(LOCAL_PG)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def prepare_database(url: str, data_dir: str) -> tuple[str, str]:
    """Migrate `url` and create an account; return its API key and secret."""
    from smscast.config import Settings
    from smscast.migrate import upgrade
    from smscast.services import Services

    settings = Settings(database_url=url, data_dir=Path(data_dir), secret_key="bench-secret")
    upgrade(settings)

    async def account() -> tuple[str, str]:
        services = Services.build(settings, pool_size=1)
        try:
            ident = await services.credentials.create_account("Bench")
            return ident.key.api_key, ident.key.api_secret
        finally:
            await services.close()

    return asyncio.run(account())


def start_server(url: str, data_dir: str, port: int) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "SMSCAST_DATABASE_URL": url,
        "SMSCAST_DATA_DIR": data_dir,
        "SMSCAST_SECRET_KEY": "bench-secret",
        "SMSCAST_HOST": "127.0.0.1",
        "SMSCAST_PORT": str(port),
        "SMSCAST_LOG_LEVEL": "warning",  # no access line per redirect
    }
    args = ["--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "smscast.api.app:app_factory", *args],
        env=env,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not start") from None
            time.sleep(0.2)


async def create_links(base: str, auth: tuple[str, str], count: int) -> dict[str, str]:
    """Shorten `count` links, one per message, 1,000 messages a request; code -> target."""
    targets: dict[str, str] = {}
    async with httpx.AsyncClient(base_url=base, auth=auth, timeout=60) as client:
        for start in range(0, count, 1000):
            urls = [
                f"https://shop.example.com/p/{n}?src=sms"
                for n in range(start, min(start + 1000, count))
            ]
            items = [
                {"to": f"+1415555{n % 10000:04d}", "body": f"Offer: {url}", "shorten_links": True}
                for n, url in enumerate(urls, start)
            ]
            r = await client.post("/v1/messages/bulk", json={"messages": items})
            r.raise_for_status()
            for url, result in zip(urls, r.json()["results"], strict=True):
                targets[result["message"]["body"].rsplit("/l/", 1)[1]] = url
    return targets


class BareConnection:
    """One keep-alive HTTP/1.1 connection that sends GETs and reads status and Location."""

    def __init__(self, port: int):
        self.port = port

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def get(self, path: str) -> tuple[int, str | None]:
        self.writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
            f"User-Agent: {BROWSER}\r\n\r\n".encode()
        )
        status = int((await self.reader.readline()).split()[1])
        length, location = 0, None
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
            elif name.lower() == b"location":
                location = value.strip().decode()
        if length:
            await self.reader.readexactly(length)
        return status, location

    def close(self) -> None:
        self.writer.close()


async def run_plan(
    gets: list[Get], targets: dict[str, str], plan: list[str]
) -> tuple[float, list[float], dict[str, int]]:
    """GET each code of `plan`, one worker per connection; seconds, latencies, outcomes."""
    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    cursor = iter(plan)

    async def worker(get: Get) -> None:
        for code in cursor:
            t0 = time.perf_counter()
            status, location = await get(f"/l/{code}")
            latencies.append(time.perf_counter() - t0)
            key = "302" if status == 302 and location == targets[code] else f"bad {status}"
            outcomes[key] = outcomes.get(key, 0) + 1

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(get) for get in gets))
    return time.perf_counter() - t0, latencies, outcomes


async def with_httpx(port: int, targets: dict[str, str], plan: list[str], connections: int):
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}",
        limits=limits,
        headers={"User-Agent": BROWSER},
        timeout=30,
    ) as client:

        async def get(path: str) -> tuple[int, str | None]:
            r = await client.get(path)
            return r.status_code, r.headers.get("location")

        return await run_plan([get] * connections, targets, plan)


async def with_bare(port: int, targets: dict[str, str], plan: list[str], connections: int):
    conns = [BareConnection(port) for _ in range(connections)]
    await asyncio.gather(*(c.open() for c in conns))
    try:
        return await run_plan([c.get for c in conns], targets, plan)
    finally:
        for c in conns:
            c.close()


async def count_clicks(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM link_clicks"))
    finally:
        await conn.close()


async def wait_for_clicks(url: str, expected: int, timeout_s: float = 30) -> int:
    """The clicks in the table once `expected` are there (or the timeout passed)."""
    deadline = time.monotonic() + timeout_s
    while True:
        n = await count_clicks(url)
        if n >= expected or time.monotonic() > deadline:
            return n
        await asyncio.sleep(0.2)


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) a process has used, from /proc; None where there is none."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile_ms(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000, 2) if values else 0


def run(url: str, args: argparse.Namespace) -> dict[str, object]:
    pg_url = url.replace("postgresql+asyncpg://", "postgresql://")
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as data_dir:
        auth = prepare_database(url, data_dir)
        before = asyncio.run(count_clicks(pg_url))
        port = free_port()
        server = start_server(url, data_dir, port)
        try:
            targets = asyncio.run(create_links(f"http://127.0.0.1:{port}", auth, args.links))
            codes = list(targets)
            httpx_plan = [rng.choice(codes) for _ in range(args.httpx_requests)]
            plan = [rng.choice(codes) for _ in range(args.requests)]
            h_elapsed, _, h_outcomes = asyncio.run(
                with_httpx(port, targets, httpx_plan, args.connections)
            )
            load = os.getloadavg()[0]
            cpu_before = cpu_seconds(server.pid)
            elapsed, latencies, outcomes = asyncio.run(
                with_bare(port, targets, plan, args.connections)
            )
            cpu_after = cpu_seconds(server.pid)
            sent = len(httpx_plan) + len(plan)
            written = asyncio.run(wait_for_clicks(pg_url, before + sent)) - before
        finally:
            server.terminate()
            server.wait(30)
    rate = len(plan) / elapsed
    # The server's own CPU per redirect (clicks written included): on a machine shared with
    # other work the rate drops, this does not; 1e6 / it is what one free core could serve.
    cpu_us = None
    if cpu_before is not None and cpu_after is not None:
        cpu_us = round((cpu_after - cpu_before) / len(plan) * 1e6)
    return {
        "redirects_per_s": round(rate),
        "goal": GOAL,
        "met": rate >= GOAL,
        "p50_ms": percentile_ms(latencies, 0.50),
        "p99_ms": percentile_ms(latencies, 0.99),
        "requests": len(plan),
        "outcomes": outcomes,
        "httpx_redirects_per_s": round(len(httpx_plan) / h_elapsed),
        "httpx_requests": len(httpx_plan),
        "httpx_outcomes": h_outcomes,
        "links": len(targets),
        "connections": args.connections,
        "clicks_sent": sent,
        "clicks_written": written,
        "all_clicks_written": written == sent,
        "cpus": os.cpu_count(),
        "load_avg_1m": round(load, 2),  # other work on the machine lowers the figure
        "server_cpu_us_per_redirect": cpu_us,
        "one_core_bound_per_s": round(1e6 / cpu_us) if cpu_us else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--links", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--httpx-requests", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    given = os.environ.get("SMSCAST_DATABASE_URL")
    if given:
        result = run(given, args)
    else:
        name = f"smscast_bench_{uuid.uuid4().hex[:8]}"
        asyncio.run(admin(f'CREATE DATABASE "{name}"'))
        try:
            result = run(LOCAL_PG.rsplit("/", 1)[0] + "/" + name, args)
        finally:
            asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
