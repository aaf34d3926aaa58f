"""Every batch endpoint, tried malformed: clear 4xx answers, never a crash."""

from __future__ import annotations

import pytest

from tests.batches.helpers import campaign, created, upload
from tests.conftest import Tenant

pytestmark = pytest.mark.anyio

NOBODY = "01a20000-0000-7000-8000-000000000000"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"campaign_id": "nope"}, "campaign_id"),
        ({"campaign_id": NOBODY}, "campaign_id"),
        ({"action": "LAUNCH"}, "action"),
        ({"shortlink": "perhaps"}, "shortlink"),
        ({"list_ids": "a,b"}, "list_ids.0"),
        ({"external_id": "e" * 201}, "external_id"),
        ({"surprise": "1"}, "surprise"),
        ({"end_time": "noon"}, "end_time"),
    ],
)
async def test_bad_form_fields_are_422(client, tenant: Tenant, fields, field):
    c = await campaign(client, tenant)
    data = {"campaign_id": c["id"], **fields}
    r = await client.post(
        "/v1/batches",
        data=data,
        files={"file": ("b.csv", b"+14155550100,x\n")},
        headers=tenant.basic,
    )
    assert r.status_code == 422, r.text
    assert field in {e["field"] for e in r.json()["errors"]}, r.json()


async def test_lowercase_actions_and_types_are_read(client, tenant: Tenant):
    r = await upload(
        client, tenant, "+14155550100,x\n", action="validate", operation_type="csv_file"
    )
    assert r.status_code == 201, r.text
    assert r.json()["validated_at"] is not None


async def test_bodies_that_are_not_forms_or_json(client, tenant: Tenant):
    h = tenant.basic
    r = await client.post("/v1/batches", content=b"x", headers={**h, "content-type": "text/csv"})
    assert r.status_code == 415
    r = await client.post(
        "/v1/batches", content=b"{", headers={**h, "content-type": "application/json"}
    )
    assert r.status_code == 400
    r = await client.post(
        "/v1/batches", content=b"[1]", headers={**h, "content-type": "application/json"}
    )
    assert r.status_code == 422
    r = await client.post("/v1/batches", headers=h)
    assert r.status_code == 415
    r = await client.post(
        "/v1/batches",
        content=b"--x\r\nbroken",
        headers={**h, "content-type": "multipart/form-data; boundary=x"},
    )
    assert r.status_code in (400, 422)


async def test_a_second_file_field_is_refused(client, tenant: Tenant):
    c = await campaign(client, tenant)
    r = await client.post(
        "/v1/batches",
        data={"campaign_id": c["id"]},
        files={"attachment": ("a.csv", b"+14155550100,x\n")},
        headers=tenant.basic,
    )
    assert r.status_code == 422


async def test_unknown_and_malformed_ids(client, tenant: Tenant):
    h = tenant.basic
    for method, path in [
        ("GET", "/v1/batches/nope"),
        ("POST", "/v1/batches/nope/schedule"),
        ("GET", "/v1/batches/nope/errors"),
    ]:
        assert (await client.request(method, path, headers=h)).status_code == 422
    for method, path in [
        ("GET", f"/v1/batches/{NOBODY}"),
        ("PATCH", f"/v1/batches/{NOBODY}"),
        ("PUT", f"/v1/batches/{NOBODY}/file"),
        ("POST", f"/v1/batches/{NOBODY}/validate"),
        ("POST", f"/v1/batches/{NOBODY}/cancel"),
        ("GET", f"/v1/batches/{NOBODY}/errors.csv"),
    ]:
        assert (await client.request(method, path, headers=h)).status_code == 404, path


async def test_list_and_error_queries_are_checked(client, tenant: Tenant):
    h = tenant.basic
    batch = await created(client, tenant, "+14155550100,x\nbad,y\n", action="VALIDATE")
    assert (await client.get("/v1/batches?status=NOPE", headers=h)).status_code == 422
    assert (await client.get("/v1/batches?limit=0", headers=h)).status_code == 422
    assert (await client.get("/v1/batches?cursor=***", headers=h)).status_code == 400
    listed = (await client.get("/v1/batches?status=created", headers=h)).json()["data"]
    assert batch["id"] in [b["id"] for b in listed]
    r = await client.get(f"/v1/batches/{batch['id']}/errors?after=-1", headers=h)
    assert r.status_code == 422
    page = (await client.get(f"/v1/batches/{batch['id']}/errors?limit=1", headers=h)).json()
    assert [e["row"] for e in page["data"]] == [2]


async def test_a_replacement_file_must_be_sent(client, tenant: Tenant):
    batch = await created(client, tenant, "+14155550100,x\n")
    r = await client.put(f"/v1/batches/{batch['id']}/file", json={}, headers=tenant.basic)
    assert r.status_code == 422


async def test_a_template_batch_has_no_file_to_replace(client, tenant: Tenant):
    lst = (await client.post("/v1/lists", json={"name": "l"}, headers=tenant.basic)).json()
    c = await campaign(client, tenant)
    b = await client.post(
        "/v1/batches",
        json={
            "campaign_id": c["id"],
            "operation_type": "MANUAL_MESSAGE_INPUT",
            "message": "hi",
            "list_ids": [lst["id"]],
        },
        headers=tenant.basic,
    )
    r = await client.put(
        f"/v1/batches/{b.json()['id']}/file",
        files={"file": ("b.csv", b"+14155550100,x\n")},
        headers=tenant.basic,
    )
    assert r.status_code == 409
