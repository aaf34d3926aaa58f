"""Basic, Bearer and x-api-key against one credential store; revoke and rotate."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import update

from smscast.accounts.models import AccessToken
from smscast.db import utcnow
from tests.conftest import Tenant

pytestmark = pytest.mark.anyio


async def test_basic_auth_accepts_key_and_secret(client, tenant: Tenant):
    r = await client.get("/v1/account", headers=tenant.basic)
    assert r.status_code == 200
    assert r.json()["account_id"] == str(tenant.account_id)


async def test_wrong_secret_is_401_problem(client, tenant: Tenant):
    bad = base64.b64encode(f"{tenant.api_key}:sk_wrong".encode()).decode()
    r = await client.get("/v1/account", headers={"Authorization": f"Basic {bad}"})
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"].endswith("/unauthenticated")
    assert "WWW-Authenticate" in r.headers


@pytest.mark.parametrize(
    "header",
    [
        "Basic !!!notbase64",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic " + base64.b64encode(b":secret-only").decode(),
        "Bearer ",
        "Digest abc",
        "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode(),
    ],
)
async def test_malformed_authorization_is_401(client, header: str):
    r = await client.get("/v1/account", headers={"Authorization": header})
    assert r.status_code == 401


async def test_no_credentials_is_401(client):
    assert (await client.get("/v1/account")).status_code == 401


async def test_x_api_key_holds_the_secret(client, tenant: Tenant):
    r = await client.get("/v1/account", headers={"x-api-key": tenant.api_secret})
    assert r.status_code == 200
    assert r.json()["account_id"] == str(tenant.account_id)
    r = await client.get("/v1/account", headers={"x-api-key": "sk_nope"})
    assert r.status_code == 401


async def test_client_credentials_grant_gives_a_working_bearer_token(client, tenant: Tenant):
    r = await client.post(
        "/v1/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=tenant.basic,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    me = await client.get(
        "/v1/account", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200


async def test_token_grant_takes_client_id_and_secret_in_the_form(client, tenant: Tenant):
    r = await client.post(
        "/v1/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": tenant.api_key,
            "client_secret": tenant.api_secret,
        },
    )
    assert r.status_code == 200


@pytest.mark.parametrize(
    ("data", "status", "error"),
    [
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({}, 400, "unsupported_grant_type"),
        ({"grant_type": "client_credentials"}, 401, "invalid_client"),
        (
            {"grant_type": "client_credentials", "client_id": "ak_x", "client_secret": "sk_y"},
            401,
            "invalid_client",
        ),
    ],
)
async def test_token_grant_errors_follow_rfc6749(client, data, status, error):
    r = await client.post("/v1/oauth/token", data=data)
    assert r.status_code == status
    assert r.json()["error"] == error


async def test_token_grant_rejects_garbage_bodies(client, tenant: Tenant):
    for body, ctype in (
        (b"{not json", "application/json"),
        (b"[1,2]", "application/json"),
        (b"\x00\xff", "application/octet-stream"),
    ):
        r = await client.post("/v1/oauth/token", content=body, headers={"content-type": ctype})
        assert r.status_code == 400


async def test_expired_token_is_refused(client, services, tenant: Tenant):
    r = await client.post(
        "/v1/oauth/token", data={"grant_type": "client_credentials"}, headers=tenant.basic
    )
    token = r.json()["access_token"]
    async with services.db.begin() as conn:
        await conn.execute(
            update(AccessToken)
            .where(AccessToken.token_hash == services.credentials.hash(token))
            .values(expires_at=utcnow())
        )
    me = await client.get("/v1/account", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401
    assert "expired" in me.json()["detail"]


async def test_revoked_key_stops_working_with_its_tokens(client, tenant: Tenant):
    tok = (
        await client.post(
            "/v1/oauth/token", data={"grant_type": "client_credentials"}, headers=tenant.basic
        )
    ).json()["access_token"]
    keys = (await client.get("/v1/keys", headers=tenant.basic)).json()["data"]
    assert [k["api_key"] for k in keys] == [tenant.api_key]
    assert "api_secret" not in keys[0] and "secret_hash" not in keys[0]
    extra = (await client.post("/v1/keys", json={"label": "ops"}, headers=tenant.basic)).json()
    r = await client.post(
        f"/v1/keys/{keys[0]['id']}/revoke", headers={"x-api-key": extra["api_secret"]}
    )
    assert r.status_code == 200 and r.json()["revoked_at"]
    assert (await client.get("/v1/account", headers=tenant.basic)).status_code == 401
    bearer = {"Authorization": f"Bearer {tok}"}
    assert (await client.get("/v1/account", headers=bearer)).status_code == 401


async def test_rotate_issues_a_new_key_and_revokes_the_old(client, tenant: Tenant):
    keys = (await client.get("/v1/keys", headers=tenant.basic)).json()["data"]
    r = await client.post(f"/v1/keys/{keys[0]['id']}/rotate", headers=tenant.basic)
    assert r.status_code == 201
    new = r.json()
    assert new["api_key"] != tenant.api_key
    assert (await client.get("/v1/account", headers=tenant.basic)).status_code == 401
    assert (
        await client.get("/v1/account", headers={"x-api-key": new["api_secret"]})
    ).status_code == 200


async def test_secrets_are_stored_only_as_hashes(services, tenant: Tenant):
    rows = await services.credentials.list_keys(tenant.account_id)
    assert rows[0].secret_hash != tenant.api_secret
    assert tenant.api_secret not in rows[0].secret_hash
    assert len(rows[0].secret_hash) == 64
