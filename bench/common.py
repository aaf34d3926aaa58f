"""What every benchmark needs: a PostgreSQL database, a server process, a fast HTTP client.

The database comes from SMSCAST_DATABASE_URL (a PostgreSQL URL); with none set, a scratch
database is created on the local PostgreSQL and dropped afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg

LOCAL_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
BIN = Path(sys.executable).with_name("smscast")


@contextlib.contextmanager
def database() -> Iterator[str]:
    """A PostgreSQL URL to use: the given one, or a scratch database dropped on exit."""
    given = os.environ.get("SMSCAST_DATABASE_URL")
    if given:
        yield given
        return
    name = f"smscast_bench_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield LOCAL_PG.rsplit("/", 1)[0] + "/" + name
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(LOCAL_PG)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_for(db_url: str, data_dir: str, **extra: str) -> dict[str, str]:
    return os.environ | {
        "SMSCAST_DATABASE_URL": db_url,
        "SMSCAST_DATA_DIR": data_dir,
        "SMSCAST_SECRET_KEY": "bench-secret-key",
        "SMSCAST_LOG_LEVEL": "warning",
        **extra,
    }


def smscast(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [str(BIN), *args], env=env, check=True, capture_output=True, text=True
    ).stdout


def create_account(env: dict[str, str]) -> dict[str, str]:
    return json.loads(smscast(env, "accounts", "create", "Bench", "--json"))


@contextlib.contextmanager
def server(env: dict[str, str], *args: str, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """`smscast serve` on `port`, waited for until it answers, stopped with SIGTERM."""
    proc = subprocess.Popen([str(BIN), "serve", "--port", str(port), *args], env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("server did not start") from None
                time.sleep(0.2)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


class HttpConnection:
    """A minimal HTTP/1.1 keep-alive client: the load generator must not need the CPU the
    server is being measured with (httpx costs far more per request than this)."""

    def __init__(self, port: int, headers: dict[str, str]):
        self.port = port
        self.head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.reader: asyncio.StreamReader
        self.writer: asyncio.StreamWriter

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{self.head}"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        status_line = await self.reader.readline()
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        payload = await self.reader.readexactly(length)
        return int(status_line.split()[1]), payload

    def close(self) -> None:
        self.writer.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else 0.0
