"""Dependencies injected into handlers, as Annotated aliases."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import Response
from sqlalchemy.exc import IntegrityError

from smscast import idempotency
from smscast.accounts.service import Principal
from smscast.api.limits import Limits
from smscast.errors import Unauthenticated, UnsupportedMediaType
from smscast.lib.jsonx import dumps, jsonable
from smscast.messages.writer import WriteSet
from smscast.services import Services

__all__ = [
    "IdempotencyKeyDep",
    "JsonBody",
    "PrincipalDep",
    "ServicesDep",
    "json_response",
    "run_idempotent",
]


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def parse_basic(value: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthenticated("The Basic credentials are not valid base64.") from None
    key, sep, secret = decoded.partition(":")
    if not sep or not key or not secret:
        raise Unauthenticated("Basic credentials must be api-key:api-secret.")
    return key, secret


async def authenticate(request: Request, services: ServicesDep) -> Principal:
    """Who is calling (Basic, Bearer or x-api-key), within their key's request rate."""
    principal = await _identify(request, services)
    limits: Limits | None = getattr(request.app.state, "limits", None)
    if limits is not None:
        limits.check_rate(principal.api_key_id)
    return principal


async def _identify(request: Request, services: Services) -> Principal:
    """Basic key:secret, Bearer access token, or x-api-key: one store behind all three."""
    auth = request.headers.get("authorization")
    if auth:
        scheme, _, value = auth.partition(" ")
        scheme = scheme.lower()
        if scheme == "basic":
            return await services.credentials.verify_secret(*parse_basic(value))
        if scheme == "bearer" and value.strip():
            return await services.credentials.verify_token(value.strip())
        raise Unauthenticated("Use Basic, Bearer or x-api-key authentication.")
    api_key = request.headers.get("x-api-key")
    if api_key:
        return await services.credentials.verify_api_key(api_key.strip())
    raise Unauthenticated("Credentials are required.")


PrincipalDep = Annotated[Principal, Depends(authenticate)]


def require_json(request: Request) -> None:
    """415 for a body that is not JSON (checked before the body is parsed)."""
    ctype = request.headers.get("content-type", "")
    mime = ctype.split(";", 1)[0].strip().lower()
    if mime != "application/json" and not mime.endswith("+json"):
        raise UnsupportedMediaType("Send the body as application/json.")


JsonBody = Depends(require_json)

IdempotencyKeyDep = Annotated[str | None, Header(alias="Idempotency-Key")]


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(body), status_code=status, media_type="application/json", headers=headers)


Producer = Callable[[], Awaitable[tuple[int, Any, WriteSet]]]


async def run_idempotent(
    request: Request,
    principal: Principal,
    services: Services,
    key: str | None,
    produce: Producer,
) -> Response:
    """Run `produce` and commit its rows; with an Idempotency-Key, replay or refuse reuse."""
    if key is None:
        status, body, ws = await produce()
        await services.writer.write(ws)
        return json_response(status, body)
    key = idempotency.check_key(key)
    req_hash = idempotency.request_hash(request.method, request.url.path, await request.body())
    async with services.db.begin() as conn:
        replay = await idempotency.lookup(conn, principal.account_id, key, req_hash)
    if replay is not None:
        return json_response(replay.status_code, replay.response, {"Idempotent-Replayed": "true"})
    status, body, ws = await produce()
    body = jsonable(body)
    ws.idempotency = idempotency.row(principal.account_id, key, req_hash, status, body)
    try:
        await services.writer.write(ws)
    except IntegrityError:
        # Another request with the same key committed first: answer as it did.
        async with services.db.begin() as conn:
            replay = await idempotency.lookup(conn, principal.account_id, key, req_hash)
        if replay is None:
            raise
        return json_response(replay.status_code, replay.response, {"Idempotent-Replayed": "true"})
    return json_response(status, body)
