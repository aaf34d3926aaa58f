"""POST /v1/messages: one message, validated, normalised, stored before the answer."""

from __future__ import annotations

import pytest

from tests.conftest import Tenant

pytestmark = pytest.mark.anyio


async def test_send_answers_201_with_the_stored_message(client, tenant: Tenant):
    r = await client.post(
        "/v1/messages",
        json={
            "to": "+1 (415) 555-0100",
            "body": "Spring Sale Starts Today",
            "tags": ["spring"],
            "metadata": {"order": 42},
        },
        headers=tenant.basic,
    )
    assert r.status_code == 201, r.text
    m = r.json()
    assert m["to"] == "+14155550100"
    assert m["status"] == "queued"
    assert (m["encoding"], m["segments"]) == ("GSM-7", 1)
    got = await client.get(f"/v1/messages/{m['id']}", headers=tenant.basic)
    assert got.status_code == 200
    assert got.json()["body"] == "Spring Sale Starts Today"
    assert got.json()["tags"] == ["spring"] and got.json()["metadata"] == {"order": 42}
    assert [(e["from_status"], e["to_status"]) for e in got.json()["events"]] == [
        ("accepted", "queued")
    ]


async def test_national_number_takes_the_account_region(client, services):
    from tests.conftest import make_tenant

    gb = await make_tenant(services, "UK shop", region="GB")
    r = await client.post(
        "/v1/messages", json={"to": "07400 123456", "body": "hi"}, headers=gb.basic
    )
    assert r.status_code == 201, r.text
    assert r.json()["to"] == "+447400123456"


async def test_us_ten_digit_number_is_read_as_us(client, tenant: Tenant):
    r = await client.post(
        "/v1/messages", json={"to": "4155550100", "body": "hi"}, headers=tenant.basic
    )
    assert r.json()["to"] == "+14155550100"


async def test_unicode_body_is_ucs2_and_counted(client, tenant: Tenant):
    r = await client.post(
        "/v1/messages", json={"to": "+14155550100", "body": "Привет " * 12}, headers=tenant.basic
    )
    m = r.json()
    assert m["encoding"] == "UCS-2"
    assert m["segments"] == 2  # 84 units > 70


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({"to": "12", "body": "x"}, "to", "invalid_number"),
        ({"to": "+1415555010099999", "body": "x"}, "to", "invalid_number"),
        ({"to": "1" * 33, "body": "x"}, "to", "string_too_long"),
        ({"to": "+14155550100", "body": ""}, "body", "string_too_short"),
        ({"to": "+14155550100", "body": "x" * 1601}, "body", "string_too_long"),
        ({"to": "+14155550100"}, "body", "missing"),
        (
            {"to": "+14155550100", "body": "x", "from": "Bad Sender Name Too Long"},
            "from",
            "string_too_long",
        ),
        ({"to": "+14155550100", "body": "x", "from": "!!!"}, "from", "invalid_sender"),
        (
            {"to": "+14155550100", "body": "x", "tags": ["no spaces"]},
            "tags.0",
            "string_pattern_mismatch",
        ),
        (
            {"to": "+14155550100", "body": "x", "callback_url": "ftp://x"},
            "callback_url",
            "value_error",
        ),
        ({"to": "+14155550100", "body": "x", "campaign_id": "nope"}, "campaign_id", "uuid_parsing"),
        ({"to": "+14155550100", "body": "x", "surprise": 1}, "surprise", "extra_forbidden"),
        ({"to": 14155550100, "body": "x"}, "to", "string_type"),
        (
            {"to": "+14155550100", "body": "x", "metadata": {"k": "v" * 501}},
            "metadata",
            "value_error",
        ),
    ],
)
async def test_invalid_fields_give_422_with_the_field(client, tenant: Tenant, payload, field, code):
    r = await client.post("/v1/messages", json=payload, headers=tenant.basic)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    errors = r.json()["errors"]
    assert any(e["field"] == field and e["code"] == code for e in errors), errors


async def test_invalid_json_is_400(client, tenant: Tenant):
    r = await client.post(
        "/v1/messages",
        content=b'{"to": ',
        headers={**tenant.basic, "content-type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["type"].endswith("/invalid-json")


@pytest.mark.parametrize("body", [b"[]", b"null", b"42", b'"text"'])
async def test_json_that_is_not_an_object_is_422(client, tenant: Tenant, body):
    r = await client.post(
        "/v1/messages", content=body, headers={**tenant.basic, "content-type": "application/json"}
    )
    assert r.status_code == 422


async def test_non_json_content_type_is_415(client, tenant: Tenant):
    r = await client.post(
        "/v1/messages",
        content=b"to=1&body=2",
        headers={**tenant.basic, "content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 415
    r = await client.post(
        "/v1/messages", content=b'{"to":"+14155550100","body":"x"}', headers=tenant.basic
    )
    assert r.status_code == 415


async def test_oversized_body_is_413(client, services, tenant: Tenant):
    big = b'{"to":"+14155550100","body":"' + b"x" * (services.settings.max_body_bytes) + b'"}'
    r = await client.post(
        "/v1/messages", content=big, headers={**tenant.basic, "content-type": "application/json"}
    )
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"


async def test_unknown_route_is_a_problem_404(client):
    r = await client.get("/v1/nothing-here")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"


async def test_preview_says_what_forced_ucs2_and_what_smart_encoding_saves(client, tenant):
    body = "It’s “great” — really…" + " ok" * 20
    r = await client.post("/v1/messages/preview", json={"body": body}, headers=tenant.basic)
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["encoding"] == "UCS-2"
    assert set(p["unicode_chars"]) == {"’", "“", "”", "—", "…"}
    assert p["smart_encoding"]["encoding"] == "GSM-7"
    assert p["smart_encoding"]["segments_saved"] == p["segments"] - p["smart_encoding"]["segments"]
    assert p["segments"] == 2 and p["smart_encoding"]["segments"] == 1


async def test_smart_encoding_flag_rewrites_the_stored_body(client, tenant):
    r = await client.post(
        "/v1/messages",
        json={"to": "+14155550100", "body": "It’s ok", "smart_encoding": True},
        headers=tenant.basic,
    )
    assert r.json()["body"] == "It's ok" and r.json()["encoding"] == "GSM-7"
