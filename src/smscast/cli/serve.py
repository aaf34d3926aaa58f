"""`smscast serve`: the API, and on the embedded default the worker and SMSC simulator too."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
import uvicorn

from smscast.config import get_settings
from smscast.migrate import upgrade

__all__ = ["serve"]


def serve(
    host: Annotated[str | None, typer.Option(help="Default: SMSCAST_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Default: SMSCAST_PORT.")] = None,
    workers: Annotated[
        int | None, typer.Option(help="API processes; with more than one, run workers apart.")
    ] = None,
) -> None:
    """Migrate the database, then serve until SIGINT/SIGTERM."""
    settings = get_settings()
    host = host or settings.host
    port = port or settings.port
    workers = workers or settings.api_workers
    upgrade(settings)
    settings.ensure_secret()
    if workers > 1:
        # Several API processes: each builds its own services; dispatch runs in `smscast worker`.
        uvicorn.run(
            "smscast.api.app:app_factory",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=settings.log_level,
            access_log=False,
        )
        return
    asyncio.run(_serve_embedded(host, port))


async def _serve_embedded(host: str, port: int) -> None:
    from smscast.api.app import create_app
    from smscast.runtime import embedded
    from smscast.services import Services

    settings = get_settings()
    services = Services.build(settings)
    app = create_app(settings, services)
    config = uvicorn.Config(
        app, host=host, port=port, log_level=settings.log_level, access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    async with embedded(services):
        await server.serve()
    await services.close()
