"""`smscast db copy` moves a SQLite database into PostgreSQL (or another SQLite file, when the
suite runs without PostgreSQL): every table, every row, values intact, ids continuing."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from smscast.config import Settings
from smscast.db import utcnow
from smscast.dbcopy import CopyError, _tables, copy_database
from smscast.messages.models import EVENTS, MESSAGES, PARTS, PENDING_RECEIPTS
from smscast.migrate import upgrade
from smscast.services import Services
from tests.conftest import _CREATED, _pg_admin_url, _pg_exec, make_tenant
from tests.dispatch.accept import accept
from tests.ops.conftest import BIN, env_for

BODY = "Grüße aus Köln — 20% off, today only 🎉"


async def _fill(url: str, tmp: Path) -> uuid.UUID:
    """Accounts, keys, messages, events, parts, pending receipts, a connector."""
    from smscast.connectors.service import ConnectorService

    settings = Settings(database_url=url, data_dir=tmp, secret_key="test")
    services = Services.build(settings, pool_size=1)
    try:
        tenant = await make_tenant(services, "Köln GmbH", "DE")
        await make_tenant(services, "Other")
        ids = await accept(services, tenant, 1200, BODY)
        await ConnectorService(services.db).add(
            "carrier", "smpp", {"host": "h", "port": 2775, "system_id": "s", "password": "p"}
        )
        now = utcnow()
        async with services.db.begin() as conn:
            await conn.execute(
                MESSAGES.update()
                .where(MESSAGES.c.id == ids[0])
                .values(
                    {"metadata": {"order": 42, "vip": True}, "tags": ["spring"], "sent_at": now}
                )
            )
            await conn.execute(
                insert(PARTS),
                [
                    {"message_id": m, "part": 1, "connector": "carrier", "carrier_id": f"{i:x}"}
                    for i, m in enumerate(ids[:300])
                ],
            )
            await conn.execute(
                insert(PENDING_RECEIPTS),
                [
                    {"connector": "carrier", "carrier_id": "ff", "state": "delivered"}
                    | {"received_at": now, "raw": "id:ff stat:DELIVRD"}
                ],
            )
        return ids[0]
    finally:
        await services.close()


async def _counts(url: str) -> dict[str, int]:
    services = Services.build(Settings(database_url=url, secret_key="test"), pool_size=1)
    try:
        async with services.db.begin() as conn:
            return {
                t.name: int(await conn.scalar(select(func.count()).select_from(t)) or 0)
                for t in _tables()
            }
    finally:
        await services.close()


async def _row(url: str, message_id: uuid.UUID) -> dict[str, Any]:
    services = Services.build(Settings(database_url=url, secret_key="test"), pool_size=1)
    try:
        async with services.db.begin() as conn:
            row = (await conn.execute(select(MESSAGES).where(MESSAGES.c.id == message_id))).one()
            return dict(row._mapping)
    finally:
        await services.close()


async def _next_event_id(url: str, message_id: uuid.UUID) -> int:
    """Insert one event in the copy: its id must come after the copied ones."""
    services = Services.build(Settings(database_url=url, secret_key="test"), pool_size=1)
    try:
        async with services.db.begin() as conn:
            row = {"message_id": message_id, "at": utcnow(), "to_status": "queued"}
            return int((await conn.execute(insert(EVENTS).values(row))).inserted_primary_key[0])
    finally:
        await services.close()


@pytest.fixture
def target(test_db, tmp_path: Path) -> str:
    """An empty, unmigrated database: PostgreSQL when the suite has one, else a SQLite path."""
    if test_db.backend == "sqlite":
        return f"sqlite:///{tmp_path / 'target.db'}"
    name = f"smscast_t_copy_{uuid.uuid4().hex[:10]}"
    _pg_exec(_pg_admin_url(test_db.url), f'CREATE DATABASE "{name}"')
    _CREATED.append(name)
    return test_db.url.rsplit("/", 1)[0] + "/" + name


def test_copy_moves_every_row_and_ids_continue(target: str, tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'source.db'}"
    upgrade(Settings(database_url=source, data_dir=tmp_path, secret_key="test"))
    spot = asyncio.run(_fill(source, tmp_path))

    done = subprocess.run(
        [str(BIN), "db", "copy", "--from", source, "--to", target, "--chunk", "500"],
        env=env_for(source, tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "messages: 1200 rows" in done.stdout

    before, after = asyncio.run(_counts(source)), asyncio.run(_counts(target))
    assert after == before
    assert before["messages"] == 1200 and before["message_parts"] == 300
    assert before["accounts"] == 2 and before["connectors"] == 1

    original, copied = asyncio.run(_row(source, spot)), asyncio.run(_row(target, spot))
    assert copied == original
    assert copied["body"] == BODY
    assert copied["tags"] == ["spring"]
    assert copied["due_at"].tzinfo is not None
    assert asyncio.run(_next_event_id(target, spot)) > before["message_events"]


def test_a_non_empty_target_is_refused_unless_forced(target: str, tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'source.db'}"
    upgrade(Settings(database_url=source, data_dir=tmp_path, secret_key="test"))
    asyncio.run(_fill(source, tmp_path))
    first = copy_database(source, target)
    with pytest.raises(CopyError, match="the target is not empty"):
        copy_database(source, target)
    again = copy_database(source, target, force=True)
    assert again.rows == first.rows
    assert asyncio.run(_counts(target)) == asyncio.run(_counts(source))


def test_a_source_behind_the_code_is_refused(target: str, tmp_path: Path) -> None:
    source = tmp_path / "old.db"
    import sqlite3

    sqlite3.connect(source).close()
    with pytest.raises(CopyError, match="upgrade it first"):
        copy_database(f"sqlite:///{source}", target)
    with pytest.raises(CopyError, match="does not exist"):
        copy_database(f"sqlite:///{tmp_path / 'missing.db'}", target)
