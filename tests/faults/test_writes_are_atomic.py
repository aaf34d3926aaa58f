"""A message and its event are written in one transaction: a failure stores neither.

On PostgreSQL the writer COPYs rows through the driver, around SQLAlchemy. Before the fix,
a write set with no idempotency key and no links (the plain single send) ran its COPYs
before any transaction had begun, so each committed on its own: a failure left a message
without its event, and a group retried one by one failed on its own rows (duplicate key),
answering an error for messages that were stored and would be sent.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from smscast.db import utcnow
from smscast.messages.models import EVENTS, MESSAGES
from smscast.messages.schemas import MessageIn
from smscast.messages.writer import write_sets
from smscast.services import Services
from tests.conftest import Tenant

pytestmark = pytest.mark.anyio


async def count(services: Services, table, ids) -> int:
    column = table.c.id if table is MESSAGES else table.c.message_id
    async with services.db.begin() as conn:
        return (await conn.execute(select(func.count()).where(column.in_(ids)))).scalar_one()


async def test_a_failed_transaction_leaves_no_message_and_no_event(
    services: Services, tenant: Tenant
):
    principal = await services.credentials.verify_secret(tenant.api_key, tenant.api_secret)
    sets = [
        services.messages.prepare(
            principal, MessageIn(to="+14155550100", body=f"atomic {i}"), utcnow()
        )
        for i in range(3)
    ]
    ids = [m["id"] for ws in sets for m in ws.messages]
    with pytest.raises(RuntimeError):
        async with services.db.begin() as conn:
            await write_sets(conn, sets)
            raise RuntimeError("the commit never happens")
    assert await count(services, MESSAGES, ids) == 0
    assert await count(services, EVENTS, ids) == 0
    # The same sets written again, as the writer's one-by-one retry does, go in whole.
    for ws in sets:
        async with services.db.begin() as conn:
            await write_sets(conn, [ws])
    assert await count(services, MESSAGES, ids) == 3
    assert await count(services, EVENTS, ids) == 3
