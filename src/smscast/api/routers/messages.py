"""Native /v1 messages: send one, send many, read, list, preview."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from smscast.api.deps import (
    IdempotencyKeyDep,
    JsonBody,
    PrincipalDep,
    ServicesDep,
    json_response,
    run_idempotent,
)
from smscast.db import utcnow
from smscast.encoding import analyze, smart_encode
from smscast.errors import ValidationFailed
from smscast.messages.schemas import BulkIn, MessageIn, MessageOut, PreviewIn, PreviewOut
from smscast.messages.service import ListFilters, to_out
from smscast.messages.states import STATUSES
from smscast.messages.writer import WriteSet
from smscast.numbers import InvalidNumber, normalise

router = APIRouter(prefix="/v1/messages", tags=["messages"])


@router.post("", status_code=201, response_model=MessageOut, dependencies=[JsonBody])
async def send_message(
    item: MessageIn,
    request: Request,
    principal: PrincipalDep,
    services: ServicesDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    """Send one message. Answers 201 once the message is stored."""

    async def produce() -> tuple[int, Any, WriteSet]:
        ws = services.messages.prepare(principal, item, utcnow())
        await services.messages.complete(principal, ws)  # campaign known, cost (issue 5)
        await services.consent.screen.check(principal, ws)  # opt-outs, subscriptions, senders
        return 201, to_out(ws.messages[0]), ws

    return await run_idempotent(request, principal, services, idempotency_key, produce)


@router.post("/bulk", status_code=201, dependencies=[JsonBody])
async def send_bulk(
    batch: BulkIn,
    request: Request,
    principal: PrincipalDep,
    services: ServicesDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    """Send 1 to 1,000 messages. Each is validated on its own; results come in request order.

    All accepted messages are stored in one transaction. 201 when at least one was accepted;
    422 when none was.
    """

    async def produce() -> tuple[int, Any, WriteSet]:
        ws, results = services.messages.prepare_bulk(principal, batch.messages, utcnow())
        await services.messages.complete(principal, ws, results)  # campaigns, cost (issue 5)
        await services.consent.screen.check_bulk(principal, ws, results)  # one query per rule
        if not ws.messages:
            raise ValidationFailed(
                "No message in the request is valid.",
                [
                    {**err, "field": f"messages[{r['index']}].{err['field']}"}
                    for r in results
                    for err in r["errors"]
                ],
            )
        for r in results:
            if "message" in r:
                r["message"] = to_out(r["message"])
        accepted = len(ws.messages)
        body = {"accepted": accepted, "rejected": len(results) - accepted, "results": results}
        return 201, body, ws

    return await run_idempotent(request, principal, services, idempotency_key, produce)


@router.post("/preview", response_model=PreviewOut, dependencies=[JsonBody])
async def preview(item: PreviewIn, principal: PrincipalDep, services: ServicesDep) -> Response:
    """What a body costs before sending: encoding, segments, what forced UCS-2.

    `shortening` says what `shorten_links` does (links found, cost with short URLs); with
    `shorten_links: true` the body is priced as it would be sent, short URLs first.
    """
    shortening = services.links.shortener.preview(item.body)
    if item.shorten_links and shortening is not None:
        item = item.model_copy(update={"body": shortening["body"]})
    info = analyze(item.body)
    smart = None
    smart_body = smart_encode(item.body)
    if smart_body != item.body:
        smart_info = analyze(smart_body)
        smart = {
            "body": smart_body,
            "encoding": smart_info.encoding,
            "segments": smart_info.segments,
            "segments_saved": info.segments - smart_info.segments,
        }
    shown = analyze(smart_body) if item.smart_encoding and smart else info
    return json_response(
        200,
        {
            "body": smart_body if item.smart_encoding else item.body,
            "encoding": shown.encoding,
            "characters": shown.characters,
            "units": shown.units,
            "segments": shown.segments,
            "per_segment": shown.per_segment,
            "unicode_chars": list(shown.unicode_chars),
            "smart_encoding": smart,
            "shortening": shortening,
        },
    )


@router.get("/{message_id}", response_model=MessageOut)
async def get_message(
    message_id: uuid.UUID, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """One message with its timeline of events."""
    return json_response(200, await services.messages.get(principal, message_id))


@router.get("")
async def list_messages(
    principal: PrincipalDep,
    services: ServicesDep,
    status: Annotated[list[str] | None, Query()] = None,
    campaign_id: uuid.UUID | None = None,
    batch_id: uuid.UUID | None = None,
    to: Annotated[str | None, Query(max_length=32)] = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """Messages, newest first, filtered; follow `next_cursor` for the next page."""
    statuses = [s for v in status or [] for s in v.split(",") if s]
    bad = [s for s in statuses if s not in STATUSES]
    if bad:
        raise ValidationFailed(
            "Unknown status.",
            [{"field": "status", "code": "invalid_status", "message": f"unknown: {bad}"}],
        )
    if to is not None:
        try:
            to = normalise(to, principal.default_region)
        except InvalidNumber as exc:
            raise ValidationFailed(
                "Invalid number.", [{"field": "to", "code": "invalid_number", "message": str(exc)}]
            ) from None
    for name, value in (("created_after", created_after), ("created_before", created_before)):
        if value is not None and value.tzinfo is None:
            raise ValidationFailed(
                "Times need a zone.",
                [{"field": name, "code": "naive_datetime", "message": "give an offset or Z"}],
            )
    filters = ListFilters(
        statuses or None, campaign_id, batch_id, to, created_after, created_before
    )
    items, next_cursor = await services.messages.list(
        principal, filters, cursor=cursor, limit=limit
    )
    return json_response(200, {"data": items, "next_cursor": next_cursor})
