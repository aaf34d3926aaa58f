"""ASGI middleware for the API: request ids, and per-route metrics with an access log line
(server errors and slow requests at the default level, every request at debug).

Plain ASGI (not BaseHTTPMiddleware), so a request costs a few microseconds more, not a task.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smscast.observability.logs import request_id
from smscast.observability.metrics import HTTP_REQUESTS, HTTP_SECONDS

__all__ = ["RequestId", "RequestMetrics"]

access = logging.getLogger("smscast.access")

HEADER = b"x-request-id"
# A caller's id is kept when it is short and plain (it lands in log lines and headers).
_VALID = re.compile(rb"^[A-Za-z0-9._:@/+=-]{1,128}$")
# Probes that succeed every few seconds would drown the access log.
_QUIET = frozenset({"/healthz", "/readyz", "/metrics"})
SLOW_S = 1.0  # a request this slow is logged at INFO
_CHILDREN: dict[tuple[str, str, int], tuple[Any, Any]] = {}


class RequestId:
    """Take the caller's X-Request-ID or make one; echo it and put it in every log line."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope["headers"] if k == HEADER), None)
        rid = given if given is not None and _VALID.match(given) else uuid.uuid4().hex.encode()
        token = request_id.set(rid.decode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (HEADER, rid)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)


class RequestMetrics:
    """Count and time every request by method, route template and status; log one line."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            seconds = time.perf_counter() - started
            route = _template(scope)
            method = scope["method"]
            key = (method, route, status)
            children = _CHILDREN.get(key)
            if children is None:  # labels() validates and locks: once per series, not per call
                labels = (method, route, str(status))
                children = _CHILDREN[key] = (
                    HTTP_REQUESTS.labels(*labels),
                    HTTP_SECONDS.labels(*labels),
                )
            children[0].inc()
            children[1].observe(seconds)
            level = _level(status, seconds, route)
            if level is not None and access.isEnabledFor(level):
                access.log(
                    level,
                    "%s %s %d %.1fms",
                    method,
                    route,
                    status,
                    seconds * 1000,
                    extra={"status": status, "duration_ms": round(seconds * 1000, 2)},
                )


def _level(status: int, seconds: float, route: str) -> int | None:
    # A line per request costs more than the request's metrics (formatting, a write): at
    # INFO only server errors and slow requests get one; SMSCAST_LOG_LEVEL=debug logs all
    # but successful probes and scrapes.
    if status >= 500:
        return logging.WARNING
    if seconds >= SLOW_S:
        return logging.INFO
    if status < 400 and route in _QUIET:
        return None
    return logging.DEBUG


def _template(scope: Scope) -> str:
    # The matched route's path template, never the raw path: ids in paths would make a
    # label value per message. Unmatched requests (404s, scanners) share one label.
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"
