"""Native /v1 inbound messages (MO), the keywords an account answers, and the endpoint
carriers post MO messages to.

The carrier endpoint: `POST /v1/inbound/carrier/{token}`, where the token comes from
`POST /v1/inbound-endpoint` (shown once; rotating it there retires the old one). The token
is the credential and names the account, so a carrier needs nothing but the URL. The body
is JSON or a form (`application/x-www-form-urlencoded`) with `from` (or `source`, `msisdn`),
`to` (or `destination`), `text` (or `body`, `message`), optionally the carrier's `id` (a
retried post with the same id is stored once) and `received_at` (ISO 8601 with an offset).
Other fields are ignored. Answers: 200 stored, 404 unknown token, 415 another body type,
400 unreadable JSON, 422 a missing or invalid field.

(Not `/v1/inbound/{token}`: that template would be the same as `GET /v1/inbound/{id}`,
which OpenAPI does not allow.)
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from smscast.api.deps import JsonBody, PrincipalDep, ServicesDep, json_response
from smscast.db import utcnow
from smscast.errors import InvalidRequest, NotFound, UnsupportedMediaType, ValidationFailed
from smscast.inbound.schemas import (
    CarrierMO,
    CarrierMOOut,
    InboundEndpointOut,
    InboundOut,
    InboundPage,
    KeywordIn,
    KeywordOut,
    KeywordsOut,
    NewInboundToken,
    RepliesIn,
    RepliesOut,
)
from smscast.inbound.service import HTTP_CONNECTOR, MO, InboundFilters
from smscast.lib.jsonx import loads
from smscast.messages.service import pydantic_errors
from smscast.optouts.addresses import InvalidNumber, normalise_sender

router = APIRouter(tags=["inbound"])

CARRIER_PATH = "/v1/inbound/carrier/{token}"


@router.get("/v1/inbound", response_model=InboundPage)
async def list_inbound(
    principal: PrincipalDep,
    services: ServicesDep,
    from_: Annotated[str | None, Query(alias="from", min_length=1, max_length=32)] = None,
    to: Annotated[str | None, Query(min_length=1, max_length=32)] = None,
    action: Annotated[str | None, Query(pattern="^(stop|start|help)$")] = None,
    received_after: datetime | None = None,
    received_before: datetime | None = None,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """Inbound messages, newest first; `action` is the keyword's (stop, start or help)."""
    region = principal.default_region
    for name, value in (("received_after", received_after), ("received_before", received_before)):
        if value is not None and value.tzinfo is None:
            raise _invalid(name, "naive_datetime", "give an offset or Z")
    filters = InboundFilters(
        source=_address(from_, region, "from") if from_ else None,
        destination=_address(to, region, "to") if to else None,
        action=action,
        received_after=received_after,
        received_before=received_before,
    )
    items, next_cursor = await services.inbound.list(
        principal.account_id, filters, cursor=cursor, limit=limit
    )
    return json_response(200, {"data": items, "next_cursor": next_cursor})


@router.get("/v1/inbound/{inbound_id}", response_model=InboundOut)
async def get_inbound(
    inbound_id: uuid.UUID, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """One inbound message."""
    return json_response(200, await services.inbound.get(principal.account_id, inbound_id))


@router.post(
    CARRIER_PATH,
    response_model=CarrierMOOut,
    openapi_extra={
        "security": [],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": CarrierMO.model_json_schema(by_alias=False)},
                "application/x-www-form-urlencoded": {
                    "schema": CarrierMO.model_json_schema(by_alias=False)
                },
            },
        },
    },
)
async def carrier_post(token: str, request: Request, services: ServicesDep) -> Response:
    """Where a carrier posts an MO (no other credentials: the token in the URL is one).

    Get the URL from `POST /v1/inbound-endpoint`. Send JSON or a form with `from` (or
    `source`, `msisdn`), `to` (or `destination`), `text` (or `body`, `message`), and
    optionally `id` (the carrier's: a retry with the same id is stored once) and `received_at`
    (ISO 8601 with an offset). Other fields are ignored. STOP, START and HELP (and the
    account's own keywords) act as they do over SMPP. 404: unknown token.
    """
    account_id = await services.inbound.config.account_for_token(token)
    if account_id is None:
        raise NotFound("No inbound endpoint here.")
    item = _carrier_mo(await _carrier_fields(request))
    received_at = item.received_at or utcnow()
    if received_at.tzinfo is None:
        raise _invalid("received_at", "naive_datetime", "give an offset or Z")
    result = await services.inbound.receive(
        MO(
            item.source,
            item.destination,
            item.text,
            received_at,
            HTTP_CONNECTOR,
            account_id=account_id,
            carrier_ref=item.id,
        )
    )
    return json_response(
        200, {"id": result.id, "duplicate": result.duplicate, "action": result.action}
    )


async def _carrier_fields(request: Request) -> dict[str, Any]:
    mime = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if mime == "application/json" or mime.endswith("+json"):
        try:
            data = loads(await request.body())
        except ValueError:
            raise InvalidRequest("The body is not valid JSON.", code="invalid-json") from None
        if not isinstance(data, dict):
            raise _invalid("body", "model_type", "send a JSON object")
        return data
    if mime == "application/x-www-form-urlencoded":
        form = await request.form()
        return {k: v for k, v in form.items() if isinstance(v, str)}
    raise UnsupportedMediaType("Send the MO as JSON or as a form.")


def _carrier_mo(fields: dict[str, Any]) -> CarrierMO:
    try:
        item = CarrierMO.model_validate(fields)
    except ValidationError as exc:
        raise ValidationFailed("The MO is not valid.", pydantic_errors(exc)) from None
    return item


@router.get("/v1/inbound-endpoint", response_model=InboundEndpointOut)
async def inbound_endpoint(principal: PrincipalDep, services: ServicesDep) -> Response:
    """Whether the account's carrier endpoint is on (its token is never shown again)."""
    return json_response(200, await services.inbound.config.token_status(principal.account_id))


@router.post("/v1/inbound-endpoint", status_code=201, response_model=NewInboundToken)
async def rotate_inbound_endpoint(
    request: Request, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """A new carrier endpoint URL (with its token, shown this once); the old one stops."""
    token = await services.inbound.config.rotate_token(principal.account_id)
    url = str(request.base_url).rstrip("/") + CARRIER_PATH.replace("{token}", token)
    return json_response(201, {"token": token, "url": url})


@router.delete("/v1/inbound-endpoint", status_code=204)
async def revoke_inbound_endpoint(principal: PrincipalDep, services: ServicesDep) -> Response:
    """Turn the carrier endpoint off; 404 if it was not on."""
    await services.inbound.config.revoke_token(principal.account_id)
    return Response(status_code=204)


@router.get("/v1/keywords", response_model=KeywordsOut, tags=["keywords"])
async def list_keywords(principal: PrincipalDep, services: ServicesDep) -> Response:
    """Every keyword the account answers (built-in and its own), and each action's reply."""
    return json_response(200, await services.inbound.config.describe(principal.account_id))


@router.post("/v1/keywords", response_model=KeywordOut, dependencies=[JsonBody], tags=["keywords"])
async def set_keyword(body: KeywordIn, principal: PrincipalDep, services: ServicesDep) -> Response:
    """Add a keyword for an action (ARRET, BAJA), or change its reply; a built-in keyword
    keeps its action but may get a reply of its own."""
    out = await services.inbound.config.set_keyword(
        principal.account_id, body.keyword, body.action, body.reply
    )
    return json_response(200, out)


@router.patch(
    "/v1/keywords/replies", response_model=RepliesOut, dependencies=[JsonBody], tags=["keywords"]
)
async def set_replies(body: RepliesIn, principal: PrincipalDep, services: ServicesDep) -> Response:
    """Set the reply of each action given: a text, "" for no reply, null for the default."""
    given = {name: getattr(body, name) for name in body.model_fields_set}
    replies = await services.inbound.config.set_replies(principal.account_id, given)
    return json_response(200, replies)


@router.delete("/v1/keywords/{keyword}", status_code=204, tags=["keywords"])
async def delete_keyword(keyword: str, principal: PrincipalDep, services: ServicesDep) -> Response:
    """Remove one of the account's keywords (or a built-in one's own reply)."""
    await services.inbound.config.delete_keyword(principal.account_id, keyword)
    return Response(status_code=204)


def _address(raw: str, region: str, field: str) -> str:
    try:
        return normalise_sender(raw, region)
    except InvalidNumber:
        raise _invalid(field, "invalid_number", "not a number or sender") from None


def _invalid(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, [{"field": field, "code": code, "message": message}])
