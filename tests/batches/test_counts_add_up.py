"""Every row is a message or an error, and the counters add up, whatever the file holds."""

from __future__ import annotations

import random

import pytest

from tests.batches.helpers import adds_up, created, errors, messages, scheduled
from tests.conftest import Tenant

pytestmark = pytest.mark.anyio

KINDS = [
    lambda rng, i: f"+1415555{rng.randint(0, 9999):04d},hello {i}",  # fine, may repeat
    lambda rng, i: f"+1415555{rng.randint(0, 9999):04d},",  # empty message
    lambda rng, i: f"junk{i},x",  # invalid number
    lambda rng, i: "",  # blank line: not a row
    lambda rng, i: f'+1415555{rng.randint(0, 9999):04d},"quoted, {i}"',
    lambda rng, i: f"+1415555{rng.randint(0, 9999):04d},a,b",  # too many columns
    lambda rng, i: "+14155550000,same",  # a duplicate after the first
]


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_rows_messages_and_errors_add_up(client, services, tenant: Tenant, seed):
    rng = random.Random(seed)
    lines = [rng.choice(KINDS)(rng, i) for i in range(300)]
    batch = await created(client, tenant, "\n".join(lines) + "\n")
    done = await scheduled(client, services, tenant, batch["id"])
    counts = done["counts"]
    rows = sum(1 for line in lines if line)
    assert counts["total"] == rows
    assert adds_up(counts)
    assert counts["messages"] == counts["valid"] == len(await messages(client, tenant, batch["id"]))
    assert len(await errors(client, tenant, batch["id"])) == (
        counts["invalid"] + counts["duplicates"] + counts["opted_out"]
    )
    # No number is messaged twice.
    sent = await messages(client, tenant, batch["id"])
    assert len({m["to"] for m in sent}) == len(sent)


async def test_the_opt_out_hook_skips_and_counts(client, services, tenant: Tenant, monkeypatch):
    async def opted(db, account_id, brand_id, numbers):
        return {n for n in numbers if n.endswith("1")}

    async def someone(db, account_id):
        return True

    monkeypatch.setattr("smscast.batches.processor.opted_out_numbers", opted)
    monkeypatch.setattr("smscast.batches.processor.any_opted_out", someone)
    batch = await created(client, tenant, "+14155550101,a\n+14155550102,b\n+14155550101,c\n")
    done = await scheduled(client, services, tenant, batch["id"])
    counts = done["counts"]
    assert (counts["valid"], counts["opted_out"], counts["duplicates"]) == (1, 1, 1)
    assert adds_up(counts)
    assert [m["to"] for m in await messages(client, tenant, batch["id"])] == ["+14155550102"]


async def test_an_account_without_opt_outs_skips_the_check(
    client, services, tenant: Tenant, monkeypatch
):
    async def never(*args):
        raise AssertionError("checked opt-outs of an account that has none")

    monkeypatch.setattr("smscast.batches.processor.opted_out_numbers", never)
    batch = await created(client, tenant, "+14155550101,a\n")
    assert (await scheduled(client, services, tenant, batch["id"]))["counts"]["valid"] == 1


async def test_a_number_on_the_opt_out_list_is_skipped_and_counted(
    client, services, tenant: Tenant
):
    r = await client.post("/v1/optouts", json={"number": "+14155550101"}, headers=tenant.basic)
    assert r.status_code == 200, r.text
    batch = await created(client, tenant, "+14155550101,a\n+14155550102,b\n")
    counts = (await scheduled(client, services, tenant, batch["id"]))["counts"]
    assert (counts["valid"], counts["opted_out"]) == (1, 1)
    assert adds_up(counts)
    assert [m["to"] for m in await messages(client, tenant, batch["id"])] == ["+14155550102"]
