"""A real HTTP/1.1 receiver on 127.0.0.1 whose behaviour a test sets: answer, fail, hang, go down.

Keep-alive like a real server; every request is recorded with its headers, raw body and
arrival time. `plan` answers the next requests in turn; then `mode` answers the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

REASONS = {200: "OK", 204: "No Content", 404: "Not Found", 410: "Gone", 429: "Too Many"}


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic()
    answered: int | None = None

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Receiver:
    mode: str = "ok"  # ok | fail (500) | hang | "429:<retry-after>" | "<status>"
    plan: list[str] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def down(self) -> None:
        """Stop listening and drop open connections: new connections are refused."""
        if self._server is not None:
            self._server.close()
            for w in list(self._writers):
                w.transport.abort()
            await self._server.wait_closed()
            self._server = None

    def delivered(self) -> list[Received]:
        return [r for r in self.requests if r.answered is not None and 200 <= r.answered < 300]

    def ids(self) -> set[str]:
        return {r.headers["smscast-event-id"] for r in self.delivered()}

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        k, v = line.split(":", 1)
                        headers[k.strip().lower()] = v.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                got = Received(path, headers, body, time.monotonic())
                self.requests.append(got)
                mode = self.plan.pop(0) if self.plan else self.mode
                if mode == "hang":
                    await asyncio.sleep(3600)
                status, extra = 200, ""
                if mode == "fail":
                    status = 500
                elif mode.startswith("429"):
                    status, extra = 429, f"Retry-After: {mode.partition(':')[2] or '1'}\r\n"
                elif mode.isdigit():
                    status = int(mode)
                got.answered = status
                writer.write(
                    f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}\r\n{extra}"
                    "Content-Length: 2\r\n\r\nok".encode()
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()


async def wait_until(check: Callable[[], Any], timeout: float = 10.0) -> None:
    """Poll `check` (sync or async) every 20 ms; fail if it is still false after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        ok = check()
        if inspect.isawaitable(ok):
            ok = await ok
        if ok:
            return
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def serving(receiver: Receiver):
    await receiver.start()
    try:
        yield receiver
    finally:
        await receiver.down()
