"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import text

from smscast.api.deps import ServicesDep, json_response

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> Response:
    """The process is alive."""
    return json_response(200, {"status": "ok"})


@router.get("/readyz")
async def readyz(services: ServicesDep) -> Response:
    """The database answers; 503 otherwise."""
    try:
        async with services.db.begin() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means not ready; say which
        return json_response(503, {"status": "unavailable", "database": str(exc)[:200]})
    return json_response(200, {"status": "ok", "database": "ok"})
