"""What `serve` runs beside the API in one process: the SMSC simulator and the dispatch worker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from smscast.services import Services

__all__ = ["embedded"]


@asynccontextmanager
async def embedded(services: Services) -> AsyncIterator[None]:
    """Start the embedded simulator and worker (as configured) and stop them on exit."""
    yield
