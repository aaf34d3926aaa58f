"""Webhook fixtures: a fresh database per test (the sender takes every due row it sees),
settings with fast retries and 127.0.0.1 allowed, a real receiver, a running sender."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Uuid, bindparam, insert, select, text, update

from smscast.config import Settings
from smscast.db import JSONType, utcnow
from smscast.messages.models import MESSAGES
from smscast.services import Services
from smscast.webhooks.models import DELIVERIES
from smscast.webhooks.sender import WebhookSender
from tests.conftest import TestDatabase
from tests.webhooks.receiver import Receiver

FAST = {
    "webhook_allow_hosts": "127.0.0.1",
    "webhook_timeout_s": 0.5,
    "webhook_backoff_base_s": 0.05,
    "webhook_backoff_max_s": 0.2,
    "webhook_retry_horizon_s": 30.0,
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The session's shared database, with fast retries and 127.0.0.1 allowed."""
    return settings.model_copy(update=FAST)


@pytest.fixture
def fresh_settings(test_db: TestDatabase, tmp_path: Path) -> Settings:
    """A database of this test's own (for tests that claim messages, not only deliveries)."""
    return Settings(
        database_url=test_db.fresh(tmp_path),
        data_dir=tmp_path,
        secret_key="test-secret-key",
        credential_cache_s=0,
        **FAST,
    )


@pytest.fixture
async def quiet_outbox(services: Services) -> None:
    """End what earlier tests left pending: this test's sender must see only its own rows."""
    async with services.db.begin() as conn:
        await conn.execute(
            update(DELIVERIES)
            .where(DELIVERIES.c.state.in_(("pending", "sending")))
            .values(state="dead", last_error="left by an earlier test")
        )


@pytest.fixture
async def receiver(quiet_outbox: None) -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    try:
        yield r
    finally:
        await r.down()


@contextlib.asynccontextmanager
async def running(
    services: Services, settings: Settings | None = None, **kwargs: Any
) -> AsyncIterator[WebhookSender]:
    """A sender running in this event loop until the block ends."""
    kwargs = {"poll_s": 0.02, "sweep_s": 0.2, "drain_s": 2.0} | kwargs
    sender = WebhookSender(services.db, settings or services.settings, **kwargs)
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    try:
        yield sender
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


_SET_CALLBACK_EVENTS = text("UPDATE messages SET callback_events = :e WHERE id = :id").bindparams(
    bindparam("e", type_=JSONType), bindparam("id", type_=Uuid())
)


async def make_message(
    services: Services,
    account_id: uuid.UUID,
    *,
    callback_url: str | None = None,
    callback_events: list[str] | None = None,
    status: str = "queued",
) -> uuid.UUID:
    """A message row as the API would store it (callback_events has no API field yet)."""
    now = utcnow()
    mid = uuid.uuid4()
    async with services.db.begin() as conn:
        await conn.execute(
            insert(MESSAGES).values(
                id=mid,
                account_id=account_id,
                to="+14155550100",
                sender="ACME",
                body="Your code is 1234",
                encoding="GSM-7",
                segments=1,
                status=status,
                callback_url=callback_url,
                tags=["otp"],
                metadata={"order": 42},
                due_at=now,
                created_at=now,
                updated_at=now,
            )
        )
        if callback_events is not None:
            await conn.execute(_SET_CALLBACK_EVENTS, {"e": callback_events, "id": mid})
    return mid


async def states(services: Services, account_id: uuid.UUID) -> list[str]:
    """The states of an account's deliveries, oldest first."""
    d = DELIVERIES
    async with services.db.begin() as conn:
        rows = await conn.execute(
            select(d.c.state).where(d.c.account_id == account_id).order_by(d.c.id)
        )
        return list(rows.scalars())
