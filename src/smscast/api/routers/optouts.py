"""Native /v1 consent: the opt-out list (with history, CSV import and export), the account's
consent settings, and campaign subscriptions.

Every change is recorded in the history with its source (`api` here; `keyword` for STOP and
START by text, `import`, `cli`) and time, and never deleted. A number is written in E.164;
a national one is read in the account's region.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse

from smscast.api.deps import JsonBody, PrincipalDep, ServicesDep, json_response
from smscast.errors import InvalidRequest, UnsupportedMediaType
from smscast.optouts.policy import read_policy, update_policy
from smscast.optouts.schemas import (
    ChangeResult,
    ConsentSettingsIn,
    ConsentSettingsOut,
    HistoryPage,
    ImportOut,
    NumberStatusOut,
    OptOutIn,
    OptOutPage,
    SubscriptionPage,
    SubscriptionsChanged,
    SubscriptionsIn,
)

router = APIRouter(tags=["opt-outs"])

Cursor = Annotated[str | None, Query(max_length=64)]
Limit = Annotated[int, Query(ge=1, le=200)]
NumberQuery = Annotated[str | None, Query(min_length=1, max_length=32)]
SenderQuery = Annotated[str | None, Query(min_length=1, max_length=20)]
_CSV_TYPES = {"text/csv", "application/csv", "text/plain", "application/vnd.ms-excel"}


@router.get("/v1/optouts", response_model=OptOutPage)
async def list_optouts(
    principal: PrincipalDep,
    services: ServicesDep,
    number: NumberQuery = None,
    sender: SenderQuery = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Response:
    """Opted-out numbers, newest first; `sender` null means opted out of every sender."""
    optouts = services.consent.optouts
    region = principal.default_region
    items, next_cursor = await optouts.list(
        principal.account_id,
        number=optouts.number(number, region) if number else None,
        sender=optouts.sender(sender, region) if sender else None,
        cursor=cursor,
        limit=limit,
    )
    return json_response(200, {"data": items, "next_cursor": next_cursor})


@router.post("/v1/optouts", response_model=ChangeResult, dependencies=[JsonBody])
async def add_optout(body: OptOutIn, principal: PrincipalDep, services: ServicesDep) -> Response:
    """Opt a number out (of one sender, or of all); `changed` is false if it already was."""
    optouts = services.consent.optouts
    number = optouts.number(body.number, principal.default_region)
    sender = optouts.sender(body.sender, principal.default_region)
    changed = await optouts.add(
        principal.account_id, number, sender=sender, source="api", detail=body.detail
    )
    return json_response(
        200, {"number": number, "sender": sender or None, "opted_out": True, "changed": changed}
    )


@router.get("/v1/optouts/history", response_model=HistoryPage)
async def optout_history(
    principal: PrincipalDep,
    services: ServicesDep,
    number: NumberQuery = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Response:
    """Every opt-out and opt-in of the account, newest first, with its source."""
    optouts = services.consent.optouts
    items, next_cursor = await optouts.history(
        principal.account_id,
        number=optouts.number(number, principal.default_region) if number else None,
        cursor=cursor,
        limit=limit,
    )
    return json_response(200, {"data": items, "next_cursor": next_cursor})


@router.post(
    "/v1/optouts/import",
    response_model=ImportOut,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                },
            },
        }
    },
)
async def import_optouts(
    request: Request, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """Opt out every number of a CSV (`number[,sender[,detail]]`, header optional).

    The body is the CSV (`text/csv`) or a multipart form with a `file`. Rows are checked one
    by one; the valid ones are stored in one transaction, the first 100 refused are listed.
    Binary or non-UTF-8 files are refused whole.
    """
    data = await _csv_body(request)
    report = await services.consent.optouts.import_csv(
        principal.account_id, data, region=principal.default_region, source="import"
    )
    return json_response(200, report)


async def _csv_body(request: Request) -> bytes:
    mime = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if mime in _CSV_TYPES:
        return await request.body()
    if mime == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise InvalidRequest("Send the CSV as the form's `file`.", code="missing-file")
        return await upload.read()
    raise UnsupportedMediaType("Send the CSV as text/csv or as multipart/form-data `file`.")


@router.get(
    "/v1/optouts/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def export_optouts(principal: PrincipalDep, services: ServicesDep) -> StreamingResponse:
    """Every opted-out number as CSV; cells a spreadsheet would run as formulas are defused."""
    return StreamingResponse(
        services.consent.optouts.export_csv(principal.account_id),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="optouts.csv"'},
    )


@router.get("/v1/optouts/settings", response_model=ConsentSettingsOut)
async def consent_settings(principal: PrincipalDep, services: ServicesDep) -> Response:
    """What a STOP stops (`optout_scope`), and whether campaigns check subscriptions."""
    policy = await read_policy(services.db, principal.account_id)
    return json_response(
        200, {"optout_scope": policy.optout_scope, "campaign_check": policy.campaign_check}
    )


@router.patch("/v1/optouts/settings", response_model=ConsentSettingsOut, dependencies=[JsonBody])
async def change_consent_settings(
    body: ConsentSettingsIn, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """Change the consent settings given; the others stay as they are."""
    policy = await update_policy(
        services.db,
        principal.account_id,
        optout_scope=body.optout_scope,
        campaign_check=body.campaign_check,
    )
    return json_response(
        200, {"optout_scope": policy.optout_scope, "campaign_check": policy.campaign_check}
    )


@router.get("/v1/optouts/{number}", response_model=NumberStatusOut)
async def optout_status(number: str, principal: PrincipalDep, services: ServicesDep) -> Response:
    """Where one number stands and its whole history; 404 if it was never opted out."""
    optouts = services.consent.optouts
    e164 = optouts.number(number, principal.default_region, field="number")
    return json_response(200, await optouts.status(principal.account_id, e164))


@router.delete("/v1/optouts/{number}", response_model=ChangeResult)
async def remove_optout(
    number: str,
    principal: PrincipalDep,
    services: ServicesDep,
    sender: SenderQuery = None,
) -> Response:
    """Opt a number back in (of one sender, or of everything); 404 if it was not out."""
    optouts = services.consent.optouts
    e164 = optouts.number(number, principal.default_region, field="number")
    scope = optouts.sender(sender, principal.default_region)
    await optouts.remove(principal.account_id, e164, sender=scope, source="api")
    return json_response(
        200, {"number": e164, "sender": scope or None, "opted_out": False, "changed": True}
    )


@router.get("/v1/subscriptions", response_model=SubscriptionPage, tags=["campaigns"])
async def list_subscriptions(
    campaign_id: uuid.UUID,
    principal: PrincipalDep,
    services: ServicesDep,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Response:
    """A campaign's subscribers, by number."""
    items, next_cursor = await services.consent.subscriptions.list(
        principal.account_id, campaign_id, cursor=cursor, limit=limit
    )
    return json_response(200, {"data": items, "next_cursor": next_cursor})


@router.post(
    "/v1/subscriptions",
    response_model=SubscriptionsChanged,
    dependencies=[JsonBody],
    tags=["campaigns"],
)
async def subscribe(
    body: SubscriptionsIn, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """Subscribe up to 1,000 numbers to a campaign; `changed`: how many were not already."""
    numbers = _numbers(services, principal.default_region, body.numbers)
    changed = await services.consent.subscriptions.subscribe(
        principal.account_id, body.campaign_id, numbers
    )
    return json_response(200, {"campaign_id": body.campaign_id, "changed": changed})


@router.post(
    "/v1/subscriptions/remove",
    response_model=SubscriptionsChanged,
    dependencies=[JsonBody],
    tags=["campaigns"],
)
async def unsubscribe(
    body: SubscriptionsIn, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """Unsubscribe up to 1,000 numbers from a campaign; `changed`: how many were subscribed."""
    numbers = _numbers(services, principal.default_region, body.numbers)
    changed = await services.consent.subscriptions.unsubscribe(
        principal.account_id, body.campaign_id, numbers
    )
    return json_response(200, {"campaign_id": body.campaign_id, "changed": changed})


def _numbers(services: ServicesDep, region: str, raw: list[str]) -> list[str]:
    optouts = services.consent.optouts
    return [optouts.number(n, region, field=f"numbers.{i}") for i, n in enumerate(raw)]
