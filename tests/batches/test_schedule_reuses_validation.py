"""SCHEDULE after VALIDATE reuses VALIDATE's verdict on each row (when nothing they depend on
changed) and gives exactly what a SCHEDULE from scratch gives."""

from __future__ import annotations

import random

import pytest

from smscast.batches.rows import Checker
from tests.batches.helpers import adds_up, created, errors, messages, scheduled
from tests.conftest import Tenant

pytestmark = pytest.mark.anyio


def content(seed: int) -> str:
    rng = random.Random(seed)
    rows = ["number,message"]
    for i in range(300):
        roll = rng.random()
        if roll < 0.75:
            rows.append(f"+1415555{rng.randint(0, 500):04d},hi {i}\\nbye")
        elif roll < 0.85:
            rows.append(f"nope{i},x")
        elif roll < 0.9:
            rows.append(f'+447400{rng.randint(100000, 999999)},"Grüße, {i}"')
        elif roll < 0.95:
            rows.append(f"+1415555{rng.randint(0, 500):04d},")
        else:
            rows.append("")
    return "\n".join(rows) + "\n"


async def outcome(client, tenant, batch_id):
    got = (await client.get(f"/v1/batches/{batch_id}", headers=tenant.basic)).json()
    keys = ("total", "valid", "invalid", "duplicates", "opted_out", "segments")
    return (
        [got["counts"][k] for k in keys],
        sorted((e["row"], e["code"]) for e in await errors(client, tenant, batch_id)),
        sorted((m["to"], m["body"], m["status"]) for m in await messages(client, tenant, batch_id)),
    )


async def test_validate_then_schedule_equals_schedule_alone(
    client, services, tenant: Tenant, monkeypatch
):
    monkeypatch.setattr("smscast.batches.store.PART_CHARS", 2048)
    reused = 0
    real = Checker._reuse

    def counting(self, *args):
        nonlocal reused
        reused += 1
        return real(self, *args)

    monkeypatch.setattr(Checker, "_reuse", counting)
    text = content(11)
    plain = await created(client, tenant, text)
    await scheduled(client, services, tenant, plain["id"])
    assert reused == 0
    checked = await created(client, tenant, text, action="VALIDATE")
    await scheduled(client, services, tenant, checked["id"])
    assert reused == checked["progress"]["parts"] > 1
    a = await outcome(client, tenant, plain["id"])
    b = await outcome(client, tenant, checked["id"])
    assert a == b
    assert adds_up(
        (await client.get(f"/v1/batches/{checked['id']}", headers=tenant.basic)).json()["counts"]
    )


async def test_a_changed_context_checks_every_row_again(
    client, services, tenant: Tenant, monkeypatch
):
    reused = 0
    real = Checker._reuse

    def counting(self, *args):
        nonlocal reused
        reused += 1
        return real(self, *args)

    monkeypatch.setattr(Checker, "_reuse", counting)
    batch = await created(client, tenant, "+14155550100,a\n+447400123456,b\n", action="VALIDATE")
    sender = (
        await client.post("/v1/senders", json={"address": "ACME"}, headers=tenant.basic)
    ).json()
    r = await client.patch(
        f"/v1/batches/{batch['id']}", json={"sender_id": sender["id"]}, headers=tenant.basic
    )
    assert r.status_code == 200
    done = await scheduled(client, services, tenant, batch["id"])
    assert reused == 0
    # The alphanumeric sender now refuses the US row: the verdict was not reused.
    assert (done["counts"]["valid"], done["counts"]["invalid"]) == (1, 1)
    assert [e["code"] for e in await errors(client, tenant, batch["id"])] == ["sender_not_allowed"]


async def test_a_new_file_is_checked_again(client, services, tenant: Tenant):
    batch = await created(client, tenant, "+14155550100,a\n", action="VALIDATE")
    await client.put(
        f"/v1/batches/{batch['id']}/file",
        files={"file": ("b.csv", b"+14155550100,a\nbad,b\n")},
        headers=tenant.basic,
    )
    done = await scheduled(client, services, tenant, batch["id"])
    assert (done["counts"]["valid"], done["counts"]["invalid"]) == (1, 1)
