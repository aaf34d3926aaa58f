"""`smscast worker`: a dispatch worker process. Run as many as you like on one database."""

from __future__ import annotations

import asyncio
import signal
from typing import Annotated

import typer

from smscast.config import get_settings
from smscast.dispatch import WorkerConfig
from smscast.migrate import upgrade
from smscast.observability.logs import setup_logging

__all__ = ["worker"]


def worker(
    batch: Annotated[int, typer.Option(help="Messages per claim.")] = 500,
    in_flight: Annotated[int, typer.Option(help="Submits awaiting an answer at most.")] = 2000,
    lease_s: Annotated[float, typer.Option(help="Seconds a claim is held.")] = 120.0,
    drain_s: Annotated[float, typer.Option(help="On SIGTERM, wait this long for answers.")] = 10.0,
    migrate: Annotated[bool, typer.Option(help="Apply migrations first.")] = True,
) -> None:
    """Claim due messages and send them through the configured connectors until SIGTERM."""
    settings = get_settings()
    setup_logging(settings)
    if migrate:
        upgrade(settings)
    config = WorkerConfig(batch=batch, max_in_flight=in_flight, drain_s=drain_s)
    config.lease = config.lease.__class__(seconds=lease_s)
    asyncio.run(_run(config))


async def _run(config: WorkerConfig) -> None:
    from smscast.runtime import build_worker
    from smscast.services import Services

    settings = get_settings()
    services = Services.build(settings, pool_size=4)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    metrics = None
    if settings.metrics_port is not None:
        from prometheus_client import start_http_server

        # Each worker process is its own scrape target (a thread of prometheus-client's).
        metrics, _ = start_http_server(settings.metrics_port, settings.host)
    try:
        w = await build_worker(services, config)
        await w.run(stop)
    finally:
        await services.close()
        if metrics is not None:
            metrics.shutdown()
