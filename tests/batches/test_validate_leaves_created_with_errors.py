"""VALIDATE checks every row, records each error (row, column, code, reason) and leaves the
batch CREATED; nothing is sent."""

from __future__ import annotations

import pytest

from tests.batches.helpers import adds_up, created, errors, messages
from tests.conftest import Tenant

pytestmark = pytest.mark.anyio

CSV = (
    "number,message\n"
    "+14155550100,Hello\\nthere\n"  # 2: fine, \\n becomes a line feed
    '4155550101,"Hi, you"\n'  # 3: national number, quoted comma
    "not a number,oops\n"  # 4: invalid number
    "+14155550100,again\n"  # 5: duplicate of row 2
    "\n"  # 6: blank, not a row
    "+14155550102,\n"  # 7: empty message
    "+14155550103," + "x" * 1601 + "\n"  # 8: too long
    "+14155550104,a,b,c\n"  # 9: too many columns
    '+14155550105,"open\n'  # 10: a quote left open
    ",no number\n"  # 11: no number
    "+14155550106,ok,,\n"  # 12: trailing empty columns are fine
)


async def test_validate_records_row_errors_and_leaves_the_batch_created(client, tenant: Tenant):
    batch = await created(client, tenant, CSV, action="VALIDATE")
    assert batch["status"] == "CREATED"
    assert batch["validated_at"] is not None
    counts = batch["counts"]
    assert (counts["total"], counts["valid"], counts["invalid"], counts["duplicates"]) == (
        10, 3, 6, 1,
    )  # fmt: skip
    assert adds_up(counts)
    got = {(e["row"], e["column"], e["code"]) for e in await errors(client, tenant, batch["id"])}
    assert got == {
        (4, "number", "invalid_number"),
        (5, "number", "duplicate"),
        (7, "message", "missing_message"),
        (8, "message", "message_too_long"),
        (9, None, "too_many_columns"),
        (10, None, "malformed_quotes"),
        (11, "number", "missing_number"),
    }
    assert await messages(client, tenant, batch["id"]) == []


async def test_every_error_has_a_reason(client, tenant: Tenant):
    batch = await created(client, tenant, CSV, action="VALIDATE")
    assert all(e["reason"] for e in await errors(client, tenant, batch["id"]))


async def test_validating_again_replaces_the_errors(client, tenant: Tenant):
    batch = await created(client, tenant, CSV, action="VALIDATE")
    again = await client.post(f"/v1/batches/{batch['id']}/validate", headers=tenant.basic)
    assert again.status_code == 200
    assert again.json()["status"] == "CREATED"
    assert len(await errors(client, tenant, batch["id"])) == 7


async def test_a_file_without_header_reads_its_first_row(client, tenant: Tenant):
    batch = await created(client, tenant, "+14155550100,one\n+14155550101,two\n", action="VALIDATE")
    assert (batch["counts"]["total"], batch["counts"]["valid"]) == (2, 2)


async def test_a_header_may_name_the_columns_in_another_order(client, tenant: Tenant):
    batch = await created(client, tenant, "message,phone\nhello,+14155550100\n", action="VALIDATE")
    assert batch["counts"]["valid"] == 1


async def test_estimated_cost_needs_a_price(client, tenant: Tenant):
    await client.put(
        "/v1/pricing", json={"country": "US", "price_per_segment": "0.0075"}, headers=tenant.basic
    )
    batch = await created(
        client, tenant, "+14155550100,one\n+14155550101," + "y" * 200 + "\n", action="VALIDATE"
    )
    assert batch["counts"]["segments"] == 3
    assert batch["counts"]["estimated_cost"] == "0.022500"
