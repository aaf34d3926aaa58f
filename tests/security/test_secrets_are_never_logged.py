"""No log line, at any level, carries an API secret, an access token or an Authorization value.

Every logger is captured at DEBUG, SQLAlchemy's statement and parameter logging included,
while credentials fail in every way and then go through a whole life: issued, used with each
scheme, exchanged for a token, rotated, revoked.
"""

from __future__ import annotations

import base64
import logging

import pytest

from tests.conftest import Tenant

pytestmark = pytest.mark.anyio


def basic(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def logged_text(records: list[logging.LogRecord]) -> str:
    """Everything a handler could write: message, arguments, traceback, extra fields."""
    parts = []
    for record in records:
        parts.append(record.getMessage())
        parts.append(record.exc_text or "")
        parts.extend(repr(v) for v in vars(record).values())
    return "\n".join(parts)


async def test_no_secret_reaches_the_logs(client, tenant: Tenant, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    secrets: list[str] = [tenant.api_secret, basic(tenant.api_key, tenant.api_secret)]
    guesses = ["sk_guess_" + "g" * 30, "at_guess_" + "t" * 30]
    secrets += guesses

    # Failures, every way.
    for headers in (
        {"Authorization": basic(tenant.api_key, guesses[0])},
        {"Authorization": basic("ak_nobody", guesses[0])},
        {"Authorization": f"Bearer {guesses[1]}"},
        {"Authorization": f"Digest {guesses[0]}"},
        {"x-api-key": guesses[0]},
    ):
        secrets += list(headers.values())
        assert (await client.get("/v1/account", headers=headers)).status_code == 401
    r = await client.post(
        "/v1/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": tenant.api_key,
            "client_secret": guesses[0],
        },
    )
    assert r.status_code == 401

    # A whole life.
    new = (await client.post("/v1/keys", json={"label": "ci"}, headers=tenant.basic)).json()
    auth = basic(new["api_key"], new["api_secret"])
    secrets += [new["api_secret"], auth]
    token = (
        await client.post(
            "/v1/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": new["api_key"],
                "client_secret": new["api_secret"],
            },
        )
    ).json()["access_token"]
    secrets += [token, f"Bearer {token}"]
    for headers in (
        {"Authorization": auth},
        {"Authorization": f"Bearer {token}"},
        {"x-api-key": new["api_secret"]},
    ):
        r = await client.post(
            "/v1/messages", json={"to": "+14155550100", "body": "hello"}, headers=headers
        )
        assert r.status_code == 201, r.text
        assert (await client.get("/v1/messages", headers=headers)).status_code == 200
    rotated = (
        await client.post(f"/v1/keys/{new['id']}/rotate", headers={"Authorization": auth})
    ).json()
    secrets += [rotated["api_secret"]]
    assert (await client.get("/v1/account", headers={"Authorization": auth})).status_code == 401
    assert (
        await client.get("/v1/account", headers={"x-api-key": rotated["api_secret"]})
    ).status_code == 200

    records = caplog.records
    assert any(r.name.startswith("sqlalchemy.engine") for r in records), "SQL was not logged"
    text = logged_text(records)
    for secret in secrets:
        assert secret not in text
        # Nor the value alone, as a Basic header's base64 or a bearer token's body.
        assert secret.split(" ", 1)[-1] not in text
