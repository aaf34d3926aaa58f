"""Liveness, readiness and metrics, for load balancers, orchestrators and Prometheus.

Keep /metrics off the public internet (block it at the proxy): it names connectors and
shows queue depths. None of these routes needs credentials.
"""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.runtime.migration import MigrationContext
from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import text

from smscast.api.deps import ServicesDep, json_response
from smscast.observability.logs import redact_text
from smscast.observability.metrics import CONTENT_TYPE_LATEST, connector_states, render
from smscast.observability.schema import schema_state

router = APIRouter(tags=["health"])

CHECK_TIMEOUT_S = 3.0


@router.get("/healthz")
async def healthz() -> Response:
    """The process is alive."""
    return json_response(200, {"status": "ok"})


@router.get("/readyz")
async def readyz(services: ServicesDep) -> Response:
    """Ready for traffic: the database answers, its schema is current, and the connectors of
    this process's dispatch worker (if it runs one) are bound. 503 with the reasons otherwise."""
    checks: dict[str, Any] = {}
    try:
        current = await asyncio.wait_for(_schema_revisions(services), CHECK_TIMEOUT_S)
    except Exception as exc:  # any failure means not ready; say which
        # Anyone may ask: say what failed, never a credential the driver put in its message.
        checks["database"] = f"unreachable: {type(exc).__name__}: {redact_text(str(exc))[:200]}"
    else:
        checks["database"] = "ok"
        schema, detail = schema_state(current, services.settings)
        # Ahead: a newer release migrated; this process serves until it is restarted.
        checks["migrations"] = {"current": "ok", "ahead": "running"}.get(schema, detail)
    states = connector_states()
    if states:
        checks["connectors"] = {
            # A connector that does not report binds counts as ready: we cannot tell.
            name: "running" if bound is None else "ok" if bound > 0 else "not bound"
            for name, bound in sorted(states.items())
        }
    ok = all(v in ("ok", "running") for v in _flat(checks))
    return json_response(200 if ok else 503, {"status": "ok" if ok else "unavailable", **checks})


@router.get("/metrics", include_in_schema=False)
async def metrics(services: ServicesDep) -> Response:
    """Prometheus text exposition of this process (database gauges included)."""
    return Response(await render(services.db), media_type=CONTENT_TYPE_LATEST)


async def _schema_revisions(services: Any) -> set[str]:
    # The revisions `migrate.current_revisions` reads, over this process's pool rather than
    # a new engine per probe.
    async with services.db.begin() as conn:
        await conn.execute(text("SELECT 1"))
        heads = await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_heads())
    return set(heads)


def _flat(checks: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for value in checks.values():
        out.extend(_flat(value) if isinstance(value, dict) else [value])
    return out
