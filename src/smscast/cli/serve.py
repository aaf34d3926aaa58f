"""`smscast serve`: the API, and on the embedded default the worker and SMSC simulator too."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from smscast.config import Settings, get_settings
from smscast.migrate import upgrade
from smscast.observability.logs import setup_logging
from smscast.observability.metrics import MULTIPROC_ENV

# Longest wait for in-flight HTTP requests on SIGTERM; the embedded worker then drains.
HTTP_GRACE_S = 10

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
    setup_logging(settings)
    host = host or settings.host
    port = port or settings.port
    workers = workers or settings.api_workers
    upgrade(settings)
    settings.ensure_secret()
    if workers > 1:
        # Several API processes: each builds its own services; dispatch runs in `smscast worker`.
        _share_metrics(settings)
        uvicorn.run(
            "smscast.api.app:app_factory",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=settings.log_level,
            log_config=None,  # our handler, set up by app_factory in each process
            access_log=False,
            timeout_graceful_shutdown=HTTP_GRACE_S,
            # uvicorn kills a process that does not answer its ping within this; its default
            # (5 s) is shorter than our imports on a busy host, which then restart in a loop.
            timeout_worker_healthcheck=30,
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
        app,
        host=host,
        port=port,
        log_level=settings.log_level,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=HTTP_GRACE_S,
    )
    server = _Server(config)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, server.handle_exit, sig, None)
    async with embedded(services):
        await server.serve()
    await services.close()


class _Server(uvicorn.Server):
    """uvicorn re-raises a caught SIGTERM once its own shutdown is done, which kills the
    process before the embedded worker has drained: the signal handlers above are ours."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _share_metrics(settings: Settings) -> None:
    """N processes behind one port: their metrics go to prometheus-client's multiprocess
    files, so that one scrape of /metrics sums them all. Stale files of a previous run go."""
    path = Path(os.environ.get(MULTIPROC_ENV) or settings.data_dir / "metrics").resolve()
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(path)  # the spawned API processes inherit it
