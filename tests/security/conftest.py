"""Apps with settings of a test's choosing, and clients that call them from chosen addresses."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from smscast.api.app import create_app
from smscast.config import Settings
from smscast.services import Services


@functools.cache
def openapi_document() -> dict[str, Any]:
    """The app's OpenAPI document (settings do not change it; building it takes a while)."""
    return create_app(Settings(secret_key="openapi")).openapi()


@pytest.fixture
def app_with(services: Services) -> Callable[..., FastAPI]:
    """`app_with(rate_limit_per_s=1, ...)`: the app on the test's services, settings changed."""

    def make(**overrides: Any) -> FastAPI:
        return create_app(services.settings.model_copy(update=overrides), services)

    return make


def client_of(
    app: FastAPI, ip: str = "127.0.0.1"
) -> AbstractAsyncContextManager[httpx.AsyncClient]:
    """An in-process client of `app` that the app sees coming from `ip`."""

    @asynccontextmanager
    async def client() -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(ip, 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://smscast.test") as c:
            yield c

    return client()
