"""A file that is not text is refused with a clear error and nothing of it is kept; odd but
textual files become row errors, never a crash."""

from __future__ import annotations

import codecs

import pytest

from tests.batches.helpers import campaign, created, errors, upload
from tests.conftest import Tenant

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    "raw",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
        b"+14155550100,ok\n+14155550101,bad \xe9\n",
        b"+14155550100,ok\n\x00\x00\x00",
        "+14155550100,hi\n".encode("utf-16-le"),
        b"",
    ],
)
async def test_binary_nul_invalid_utf8_and_empty_files_are_refused(client, tenant: Tenant, raw):
    c = await campaign(client, tenant)
    r = await upload(client, tenant, raw, campaign_id=c["id"])
    assert r.status_code == 400, r.text
    assert r.json()["type"].endswith("/file-refused")
    listed = (await client.get(f"/v1/batches?campaign_id={c['id']}", headers=tenant.basic)).json()
    assert listed["data"] == []


async def test_a_refused_replacement_keeps_the_old_file(client, tenant: Tenant):
    batch = await created(client, tenant, "+14155550100,ok\n")
    r = await client.put(
        f"/v1/batches/{batch['id']}/file",
        files={"file": ("x.bin", b"\x00\x01\x02")},
        headers=tenant.basic,
    )
    assert r.status_code == 400
    got = (await client.get(f"/v1/batches/{batch['id']}", headers=tenant.basic)).json()
    assert got["file"]["rows"] == 1


async def test_utf16_with_bom_is_read(client, tenant: Tenant):
    raw = codecs.BOM_UTF16_LE + "number,message\n+14155550100,Grüße\n".encode("utf-16-le")
    batch = await created(client, tenant, raw, action="VALIDATE")
    assert batch["charset"] == "UTF-16"
    assert batch["counts"]["valid"] == 1


async def test_a_huge_line_and_a_hundred_thousand_columns_are_row_errors(client, tenant: Tenant):
    raw = (
        b"+14155550100," + b"x" * 1_000_000 + b"\n"
        + b"+14155550101," + b",".join([b"c"] * 100_000) + b"\n"
        + b"+14155550102,fine\n"
    )  # fmt: skip
    batch = await created(client, tenant, raw, action="VALIDATE")
    assert (batch["counts"]["total"], batch["counts"]["valid"]) == (3, 1)
    assert [e["code"] for e in await errors(client, tenant, batch["id"])] == [
        "line_too_long",
        "line_too_long",
    ]


async def test_a_ten_megabyte_single_line_is_one_row_error(services, tenant: Tenant):
    """Through the service (the API refuses bodies over its limit with 413 first)."""
    import io
    import uuid

    from smscast.batches.schemas import BatchFields
    from smscast.batches.service import Upload
    from smscast.campaigns.schemas import CampaignIn

    principal = await services.credentials.verify_secret(tenant.api_key, tenant.api_secret)
    c = await services.campaigns.create(principal, CampaignIn(name=f"big-{uuid.uuid4().hex[:6]}"))
    raw = b"+14155550100," + b"y" * (10 * 1024 * 1024)
    out = await services.batches.create(
        principal,
        BatchFields(campaign_id=c["id"], action="VALIDATE"),
        Upload(io.BytesIO(raw), "big.csv"),
    )
    assert (out["counts"]["total"], out["counts"]["invalid"]) == (1, 1)
