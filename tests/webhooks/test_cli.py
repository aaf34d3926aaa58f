"""`smscast webhooks`: endpoints, the dead list and replays from the command line.

The commands run in this process (a fresh `smscast` process costs seconds of imports each);
the wiring into the real `smscast` app is checked from the app itself.
"""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
import typer
from sqlalchemy import update

from smscast.cli import app as cli
from smscast.config import get_settings
from smscast.services import Services
from smscast.webhooks.models import DELIVERIES
from smscast.webhooks.outbox import enqueue
from tests.conftest import make_tenant


@pytest.fixture
def env(settings, monkeypatch):
    monkeypatch.setenv("SMSCAST_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SMSCAST_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SMSCAST_SECRET_KEY", settings.secret_key)
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()


def _in_db(settings, action):
    async def main():
        services = Services.build(settings, pool_size=1)
        try:
            return await action(services)
        finally:
            await services.close()

    return asyncio.run(main())


async def _dead_delivery(services: Services, account_id: uuid.UUID) -> None:
    async with services.db.begin() as conn:
        await enqueue(conn, account_id=account_id, type="batch.finished", payload={})
        await conn.execute(
            update(DELIVERIES)
            .where(DELIVERIES.c.account_id == account_id)
            .values(state="dead", last_error="HTTP 500")
        )


def test_the_webhooks_commands_are_part_of_smscast():
    group = typer.main.get_command(cli.app)
    webhooks = group.commands["webhooks"]  # type: ignore[attr-defined]
    assert set(webhooks.commands) == {"list", "create", "delete", "rotate", "dead", "replay", "run"}


def test_create_list_dead_and_replay_from_the_cli(env, capsys):
    tenant = _in_db(env, lambda s: make_tenant(s, "Hooks"))
    aid = tenant.account_id
    cli.webhooks_create(aid, "https://93.184.216.34/h", ["batch.finished"], "")
    created = json.loads(capsys.readouterr().out)
    assert created["secret"].startswith("whsec_")
    cli.webhooks_list(aid, as_json=True)
    listed = capsys.readouterr().out
    assert [e["id"] for e in json.loads(listed)] == [created["id"]]
    assert created["secret"] not in listed
    _in_db(env, lambda s: _dead_delivery(s, aid))
    cli.webhooks_dead(aid, as_json=True)
    assert [d["last_error"] for d in json.loads(capsys.readouterr().out)] == ["HTTP 500"]
    cli.webhooks_replay(aid, None, None)
    assert "replayed 1" in capsys.readouterr().out
    with pytest.raises(typer.Exit):
        cli.webhooks_create(aid, "http://10.0.0.1/", ["*"], "")
    assert "not allowed" in capsys.readouterr().err
