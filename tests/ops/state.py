"""What the process tests read and write straight in the database, from synchronous code."""

from __future__ import annotations

import asyncio
import base64
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, select

from smscast.config import Settings
from smscast.messages.models import MESSAGES, PARTS
from smscast.messages.states import FINAL
from smscast.services import Services
from tests.conftest import Tenant, make_tenant
from tests.ops.conftest import SECRET_KEY

T = TypeVar("T")


# One event loop and one set of services per database for the whole session: the tests poll
# the database several times a second while the processes under test need the CPU.
_RUNNER: asyncio.Runner | None = None
_SERVICES: dict[str, Services] = {}


def with_services(url: str, data_dir: Path, action: Callable[[Services], Awaitable[T]]) -> T:
    global _RUNNER
    if _RUNNER is None:
        _RUNNER = asyncio.Runner()

    async def main() -> T:
        services = _SERVICES.get(url)
        if services is None:
            settings = Settings(database_url=url, data_dir=data_dir, secret_key=SECRET_KEY)
            services = _SERVICES[url] = Services.build(settings, pool_size=1)
        return await action(services)

    return _RUNNER.run(main())


def tenant(url: str, data_dir: Path) -> Tenant:
    return with_services(url, data_dir, make_tenant)


def basic(t: Tenant) -> dict[str, str]:
    token = base64.b64encode(f"{t.api_key}:{t.api_secret}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def statuses(url: str, data_dir: Path) -> Counter[str]:
    async def read(services: Services) -> Counter[str]:
        async with services.db.begin() as conn:
            rows = (
                await conn.execute(
                    select(MESSAGES.c.status, func.count()).group_by(MESSAGES.c.status)
                )
            ).all()
        return Counter({r[0]: r[1] for r in rows})

    return with_services(url, data_dir, read)


def final_count(counts: Counter[str]) -> int:
    return sum(n for status, n in counts.items() if status in FINAL)


def parts_per_message(url: str, data_dir: Path) -> Counter[int]:
    """How many part rows each sent message has: {1: n} when none was sent twice."""

    async def read(services: Services) -> Counter[int]:
        async with services.db.begin() as conn:
            rows = (
                await conn.execute(
                    select(func.count()).select_from(PARTS).group_by(PARTS.c.message_id)
                )
            ).all()
        return Counter(r[0] for r in rows)

    return with_services(url, data_dir, read)


def add_connector(url: str, data_dir: Path, name: str, kind: str, options: dict[str, Any]) -> None:
    from smscast.connectors.service import ConnectorService

    async def add(services: Services) -> None:
        await ConnectorService(services.db).add(name, kind, options, default=True)

    with_services(url, data_dir, add)


def bulk_body(count: int, start: int, body: str = "Your code is 482913") -> dict[str, Any]:
    return {"messages": [{"to": f"+1415{start + i:07d}", "body": body} for i in range(count)]}


def close() -> None:
    """Close the session's services and loop (before the test databases are dropped)."""
    global _RUNNER
    if _RUNNER is None:
        return
    for services in _SERVICES.values():
        _RUNNER.run(services.close())
    _SERVICES.clear()
    _RUNNER.close()
    _RUNNER = None
