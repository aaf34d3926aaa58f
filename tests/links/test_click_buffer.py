"""Clicks are buffered and written in batches: by the background task, on close, after errors."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import func, select

from smscast.db import Database, utcnow
from smscast.links.clicks import ClickEvent, ClickRecorder
from smscast.links.models import CLICKS

pytestmark = pytest.mark.anyio


def a_click(message_id: uuid.UUID) -> ClickEvent:
    return ClickEvent(
        link_id=uuid.uuid4(),
        message_id=message_id,
        account_id=uuid.uuid4(),
        url="https://x.example",
        at=utcnow(),
        human=True,
        bot=None,
        user_agent="Mozilla/5.0",
        ip="203.0.113.0",
    )


async def count(db: Database, message_id: uuid.UUID) -> int:
    async with db.begin() as conn:
        query = select(func.count()).select_from(CLICKS).where(CLICKS.c.message_id == message_id)
        return (await conn.execute(query)).scalar_one()


async def test_the_background_task_writes_within_the_interval(services):
    recorder = ClickRecorder(services.db, interval_s=0.05)
    mid = uuid.uuid4()
    for _ in range(10):
        recorder.record(a_click(mid))
    for _ in range(500):  # up to 10 s on a busy machine; usually the first few tries
        if await count(services.db, mid) == 10:
            break
        await asyncio.sleep(0.02)
    assert await count(services.db, mid) == 10
    assert recorder.pending == 0
    await recorder.close()


async def test_close_writes_what_is_buffered(services):
    recorder = ClickRecorder(services.db, interval_s=60)
    mid = uuid.uuid4()
    for _ in range(7):
        recorder.record(a_click(mid))
    await recorder.close()
    assert await count(services.db, mid) == 7


async def test_a_failed_write_keeps_the_clicks_for_the_next(services, tmp_path):
    broken = Database(f"sqlite+aiosqlite:///{tmp_path}/missing/dir/x.db")
    recorder = ClickRecorder(broken, interval_s=60)
    mid = uuid.uuid4()
    for _ in range(3):
        recorder.record(a_click(mid))
    with pytest.raises(Exception):  # noqa: B017 (the driver's own error)
        await recorder.flush()
    assert recorder.pending == 3
    recorder.db = services.db  # the database is back
    assert await recorder.flush() == 3
    assert await count(services.db, mid) == 3
    await recorder.close()
    await broken.dispose()


async def test_a_full_buffer_drops_and_counts(services):
    recorder = ClickRecorder(services.db, interval_s=60, max_buffered=5)
    mid = uuid.uuid4()
    for _ in range(8):
        recorder.record(a_click(mid))
    assert (recorder.pending, recorder.dropped) == (5, 3)
    await recorder.close()
    assert await count(services.db, mid) == 5
