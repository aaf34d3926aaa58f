"""Credentials over the API: the OAuth token endpoint and API key management."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from smscast.accounts.models import ApiKey
from smscast.api.deps import PrincipalDep, ServicesDep, json_response, parse_basic
from smscast.errors import Unauthenticated
from smscast.lib.jsonx import dumps, loads

router = APIRouter(prefix="/v1", tags=["auth"])


def _oauth_error(status: int, error: str, description: str) -> Response:
    headers = {"Cache-Control": "no-store"}
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="smscast"'
    return Response(
        dumps({"error": error, "error_description": description}),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


async def _token_params(request: Request) -> dict[str, str]:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/json":
        try:
            data = loads(await request.body())
        except ValueError:
            return {}
        return (
            {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}
        )
    if ctype == "application/x-www-form-urlencoded":
        form = await request.form()
        return {k: v for k, v in form.items() if isinstance(v, str)}
    return {}


# The token endpoint answers in RFC 6749's shapes, not problem details: say so in the schema.
_OAUTH_ERROR: dict[str, Any] = {
    "description": "An RFC 6749 (5.2) error.",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {"type": "string"},
                    "error_description": {"type": "string"},
                },
            }
        }
    },
}
_TOKEN_REQUEST = {
    "type": "object",
    "required": ["grant_type"],
    "properties": {
        "grant_type": {"type": "string", "enum": ["client_credentials"]},
        "client_id": {"type": "string"},
        "client_secret": {"type": "string"},
    },
}


@router.post(
    "/oauth/token",
    tags=["auth"],
    responses={400: _OAUTH_ERROR, 401: _OAUTH_ERROR},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {"schema": _TOKEN_REQUEST},
                "application/json": {"schema": _TOKEN_REQUEST},
            },
        }
    },
)
async def token(request: Request, services: ServicesDep) -> Response:
    """Client-credentials grant (RFC 6749 4.4): api-key and api-secret give an access token.

    Credentials go in Basic auth or as `client_id`/`client_secret`; the body is form-encoded
    (or JSON) with `grant_type=client_credentials`. Errors follow RFC 6749 5.2.
    """
    params = await _token_params(request)
    if params.get("grant_type") != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "Use grant_type=client_credentials.")
    auth = request.headers.get("authorization", "")
    try:
        if auth.lower().startswith("basic "):
            key, secret = parse_basic(auth[6:])
        else:
            key, secret = params.get("client_id", ""), params.get("client_secret", "")
            if not key or not secret:
                return _oauth_error(401, "invalid_client", "Client credentials are required.")
        access, expires = await services.credentials.issue_token(key, secret)
    except Unauthenticated as exc:
        return _oauth_error(401, "invalid_client", exc.detail)
    return Response(
        dumps(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": services.settings.access_token_ttl_s,
                "expires_at": expires,
            }
        ),
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


class KeyIn(BaseModel):
    label: str = Field("", max_length=200)


def _key_out(row: ApiKey) -> dict[str, Any]:
    return {
        "id": row.id,
        "api_key": row.key,
        "label": row.label,
        "created_at": row.created_at,
        "revoked_at": row.revoked_at,
    }


@router.get("/account", tags=["account"])
async def whoami(principal: PrincipalDep) -> Response:
    """The account the credentials belong to."""
    return json_response(
        200, {"account_id": principal.account_id, "default_region": principal.default_region}
    )


@router.get("/keys", tags=["auth"])
async def list_keys(principal: PrincipalDep, services: ServicesDep) -> Response:
    """The account's API keys (secrets are never shown again)."""
    rows = await services.credentials.list_keys(principal.account_id)
    return json_response(200, {"data": [_key_out(r) for r in rows]})


@router.post("/keys", status_code=201, tags=["auth"])
async def create_key(body: KeyIn, principal: PrincipalDep, services: ServicesDep) -> Response:
    """A new key; the answer holds its secret, shown this once."""
    key = await services.credentials.create_key(principal.account_id, label=body.label)
    return json_response(
        201, {"id": key.key_id, "api_key": key.api_key, "api_secret": key.api_secret}
    )


@router.post("/keys/{key_id}/revoke", tags=["auth"])
async def revoke_key(key_id: uuid.UUID, principal: PrincipalDep, services: ServicesDep) -> Response:
    """Revoke a key and every access token issued for it."""
    row = await services.credentials.revoke_key(principal.account_id, key_id)
    return json_response(200, _key_out(row))


@router.post("/keys/{key_id}/rotate", status_code=201, tags=["auth"])
async def rotate_key(key_id: uuid.UUID, principal: PrincipalDep, services: ServicesDep) -> Response:
    """Revoke a key and issue its replacement."""
    key = await services.credentials.rotate_key(principal.account_id, key_id)
    return json_response(
        201, {"id": key.key_id, "api_key": key.api_key, "api_secret": key.api_secret}
    )
