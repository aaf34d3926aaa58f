"""Checking parts in worker processes gives what checking them here gives."""

from __future__ import annotations

import random

import pytest

from tests.batches.helpers import created, errors, messages, scheduled
from tests.conftest import Tenant

pytestmark = pytest.mark.anyio


async def test_a_pooled_run_equals_an_inline_run(client, services, tenant: Tenant, monkeypatch):
    rng = random.Random(7)
    rows = []
    for i in range(400):
        roll = rng.random()
        if roll < 0.8:
            rows.append(
                f"+1{rng.choice(['212', '415', '646'])}555{rng.randint(0, 9999):04d},hi {i}"
            )
        elif roll < 0.9:
            rows.append(f"bad{i},x")
        else:
            rows.append(f"+447400{rng.randint(100000, 999999)},Grüße {i}")
    content = "\n".join(rows) + "\n"
    monkeypatch.setattr("smscast.batches.store.PART_CHARS", 1024)  # many small parts

    inline = await created(client, tenant, content)
    services.batches.processor.pool_min_parts = 10**9
    done_inline = await scheduled(client, services, tenant, inline["id"])

    pooled = await created(client, tenant, content)
    assert pooled["progress"]["parts"] > 4
    services.batches.processor.pool_min_parts = 1
    services.batches.processor.workers = 2
    done_pooled = await scheduled(client, services, tenant, pooled["id"])

    keys = ("total", "valid", "invalid", "duplicates", "segments")
    assert [done_inline["counts"][k] for k in keys] == [done_pooled["counts"][k] for k in keys]
    assert [(e["row"], e["code"]) for e in await errors(client, tenant, inline["id"])] == [
        (e["row"], e["code"]) for e in await errors(client, tenant, pooled["id"])
    ]
    a = sorted(
        (m["to"], m["body"], m["status"]) for m in await messages(client, tenant, inline["id"])
    )
    b = sorted(
        (m["to"], m["body"], m["status"]) for m in await messages(client, tenant, pooled["id"])
    )
    assert a == b
