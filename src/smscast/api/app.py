"""The ASGI application: routers, error mapping, request limits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smscast import __version__
from smscast.api import errors
from smscast.api.limits import AuthFailureGuard, Limits
from smscast.api.routers import (
    auth,
    batches,
    brands,
    campaigns,
    connectors,
    contacts,
    health,
    inbound,
    links,
    lists,
    messages,
    optouts,
    pricing,
    senders,
    templates,
    webhooks,
)
from smscast.config import Settings, get_settings
from smscast.observability.http import RequestId, RequestMetrics
from smscast.observability.logs import setup_logging
from smscast.services import Services

__all__ = ["create_app"]


class BodyLimit:
    """Refuse bodies over `limit` bytes with 413, by Content-Length or while streaming."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and (not value.isdigit() or int(value) > self.limit):
                await _too_large(send, self.limit)
                return
        seen = 0
        tripped = started = False

        async def limited() -> Message:
            nonlocal seen, tripped
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    tripped = True
                    raise _BodyTooLarge
            return message

        async def guarded(message: Message) -> None:
            # A handler may catch the error raised from `receive` and answer something else
            # (FastAPI's body parsing turns it into a 400): once tripped, the answer is 413.
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if tripped:
                    await _too_large(send, self.limit)
                    return
            if not tripped:
                await send(message)

        try:
            await self.app(scope, limited, guarded)
        except _BodyTooLarge:
            if not started:
                await _too_large(send, self.limit)


class _BodyTooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    body = (
        b'{"type":"https://smscast.dev/problems/payload-too-large","title":"Payload too large",'
        b'"status":413,"detail":"The body is larger than %d bytes."}' % limit
    )
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/problem+json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """Build the app; it owns `services` unless they are given (tests, `serve`)."""
    settings = settings or get_settings()
    owned = services is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.services = services or Services.build(settings)
        try:
            yield
        finally:
            if owned:
                await app.state.services.close()

    app = FastAPI(
        title="smscast",
        version=__version__,
        description="Self-hosted SMS campaigns and messaging.",
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/openapi.json",
        responses=errors.PROBLEM_RESPONSES,
    )
    if services is not None:
        app.state.services = services
    errors.install(app)
    for module in (links, health, auth, messages, connectors, optouts, inbound):
        app.include_router(module.router)
    for module in (brands, campaigns, contacts, lists, templates, senders, pricing, batches):
        app.include_router(module.router)  # campaigns and batches (issue 5)
    app.include_router(webhooks.router)  # webhooks (issue 8)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.state.limits = Limits.from_settings(settings)
    app.add_middleware(
        AuthFailureGuard, limits=app.state.limits, credential_paths=["/v1/oauth/token"]
    )
    # Added last = outermost: every answer (413s included) is timed and carries its id.
    app.add_middleware(RequestMetrics)
    app.add_middleware(RequestId)
    return app


def app_factory() -> Any:
    """Entry point for `uvicorn --factory smscast.api.app:app_factory` (one per worker process)."""
    setup_logging(get_settings())  # a fresh process: uvicorn's spawn does not inherit ours
    return create_app()
