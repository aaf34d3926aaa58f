"""The ASGI application: routers, error mapping, request limits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smscast import __version__
from smscast.api import errors
from smscast.api.routers import auth, connectors, health, messages
from smscast.config import Settings, get_settings
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

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _BodyTooLarge:
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
    )
    if services is not None:
        app.state.services = services
    errors.install(app)
    for module in (health, auth, messages, connectors):
        app.include_router(module.router)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    return app


def app_factory() -> Any:
    """Entry point for `uvicorn --factory smscast.api.app:app_factory` (one per worker process)."""
    return create_app()
