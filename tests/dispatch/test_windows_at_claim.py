"""At claim time the worker re-reads a message's window: closed means later, not now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from smscast.messages.models import MESSAGES
from tests.dispatch.accept import accept
from tests.dispatch.conftest import connector_for, make_worker, running, simulator, wait_for
from tests.dispatch.helpers import select_one, statuses, timeline

pytestmark = pytest.mark.anyio


async def _set_window(services, mid, window, expires_at=None):
    async with services.db.begin() as conn:
        await conn.execute(
            update(MESSAGES)
            .where(MESSAGES.c.id == mid)
            .values(window={"window": window, "zones": ["UTC"]}, expires_at=expires_at)
        )


async def test_a_backlogged_message_whose_window_closed_is_pushed_to_the_next_window(
    own_services, tenant
):
    [mid] = await accept(own_services, tenant, 1)
    later_hour = (datetime.now(UTC) + timedelta(hours=3)).hour
    await _set_window(own_services, mid, {"hours": [later_hour]})
    async with simulator() as sim:
        async with running(make_worker(own_services, {"sim": connector_for(sim)})):
            await wait_for(lambda: _status_is(own_services, "scheduled"))
        assert sim.messages() == []
    row = await select_one(own_services, MESSAGES.c.due_at)
    assert row.due_at.hour == later_hour and row.due_at.minute == 0
    assert (await timeline(own_services, mid))[-1] == ("sending", "scheduled")


async def test_a_message_whose_window_will_not_open_before_expiry_expires(own_services, tenant):
    [mid] = await accept(own_services, tenant, 1)
    later_hour = (datetime.now(UTC) + timedelta(hours=3)).hour
    await _set_window(
        own_services,
        mid,
        {"hours": [later_hour]},
        expires_at=datetime.now(UTC) + timedelta(minutes=30),
    )
    async with simulator() as sim:
        async with running(make_worker(own_services, {"sim": connector_for(sim)})):
            await wait_for(lambda: _status_is(own_services, "expired"))
        assert sim.messages() == []


async def test_a_scheduled_message_is_not_sent_before_it_is_due(own_services, tenant):
    [mid] = await accept(own_services, tenant, 1)
    async with own_services.db.begin() as conn:
        await conn.execute(
            update(MESSAGES).values(
                status="scheduled", due_at=datetime.now(UTC) + timedelta(hours=1)
            )
        )
    async with simulator() as sim:
        async with running(make_worker(own_services, {"sim": connector_for(sim)})):
            import asyncio

            await asyncio.sleep(0.5)
        assert sim.messages() == []
    assert (await statuses(own_services))["scheduled"] == 1


async def _status_is(services, status) -> bool:
    return (await statuses(services))[status] == 1
