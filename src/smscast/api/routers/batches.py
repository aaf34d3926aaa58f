"""Native /v1 batches: create from a CSV file, a template and lists, or a manual message;
update and replace the file while CREATED; validate, schedule, pause, resume, cancel; read
progress and counters; download the row errors.

Create and update take multipart/form-data (fields and a `file`) or a JSON object (no file);
the file alone may also be PUT as text/csv.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from smscast.api.deps import PrincipalDep, ServicesDep, json_response
from smscast.batches.schemas import BatchFields
from smscast.batches.service import Upload
from smscast.batches.states import STATUSES
from smscast.errors import InvalidRequest, UnsupportedMediaType, ValidationFailed
from smscast.lib.jsonx import loads
from smscast.messages.service import pydantic_errors

router = APIRouter(prefix="/v1/batches", tags=["batches"])

_LIST_FIELDS = {"list_ids"}
_RAW_TYPES = {"text/csv", "text/plain", "application/csv", "application/octet-stream"}


@asynccontextmanager
async def form_body(
    request: Request, *, raw_file: bool = False
) -> AsyncIterator[tuple[dict[str, Any], Upload | None]]:
    """The fields and file of a request: multipart form, JSON object, or (with `raw_file`) a
    bare CSV body. Spooled files are removed afterwards."""
    mime = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if mime in ("multipart/form-data", "application/x-www-form-urlencoded"):
        form = await request.form(max_files=1, max_fields=60)
        try:
            fields: dict[str, Any] = {}
            upload = None
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    if key != "file":
                        raise ValidationFailed(
                            "Only `file` may hold a file.",
                            [{"field": key, "code": "unexpected_file", "message": "not a file"}],
                        )
                    upload = Upload(value.file, value.filename)
                elif key in _LIST_FIELDS:
                    fields.setdefault(key, []).append(value)
                else:
                    fields[key] = value
            yield fields, upload
        finally:
            await form.close()
        return
    if mime == "application/json" or mime.endswith("+json"):
        try:
            body = loads(await request.body())
        except ValueError:
            raise InvalidRequest("The body is not valid JSON.", code="invalid-json") from None
        if not isinstance(body, dict):
            raise ValidationFailed(
                "The body must be a JSON object.",
                [{"field": "", "code": "model_type", "message": "expected an object"}],
            )
        yield body, None
        return
    if raw_file and mime in _RAW_TYPES:
        with tempfile.SpooledTemporaryFile(max_size=1 << 20) as spool:
            async for chunk in request.stream():
                spool.write(chunk)
            spool.seek(0)
            yield {}, Upload(spool, None)  # type: ignore[arg-type]
        return
    raise UnsupportedMediaType("Send multipart/form-data (fields and a file) or application/json.")


def batch_fields(fields: dict[str, Any]) -> BatchFields:
    try:
        return BatchFields.model_validate(fields)
    except ValidationError as exc:
        raise ValidationFailed("The batch is not valid.", pydantic_errors(exc)) from None


@router.post("", status_code=201)
async def create_batch(
    request: Request, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """Create a batch: `campaign_id`, `operation_type` (CSV_FILE with a `file` of
    number,message rows; MESSAGE_TEMPLATE with `template_id`; MANUAL_MESSAGE_INPUT with a
    `message` of at most 160 characters; the last two with `list_ids` and/or
    `sender_contacts`), optional send window (`start_date`, `end_date`, `start_time`,
    `end_time`) and `action`: VALIDATE checks every row and leaves it CREATED, SCHEDULE
    sends it. Without `action` it stays CREATED."""
    async with form_body(request) as (fields, upload):
        out = await services.batches.create(principal, batch_fields(fields), upload)
    return json_response(201, out)


@router.get("")
async def list_batches(
    principal: PrincipalDep,
    services: ServicesDep,
    campaign_id: uuid.UUID | None = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """Batches, newest first (stored counters only; read one for live ones)."""
    if status is not None and status.upper() not in STATUSES:
        raise ValidationFailed(
            "Unknown status.", [{"field": "status", "code": "invalid_status", "message": status}]
        )
    items, next_cursor = await services.batches.list(
        principal,
        cursor=cursor,
        limit=limit,
        campaign_id=campaign_id,
        status=status.upper() if status else None,
    )
    return json_response(200, {"data": items, "next_cursor": next_cursor})


@router.get("/{batch_id}")
async def get_batch(
    batch_id: uuid.UUID, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """The batch with its progress and counters: rows (total = valid + invalid + duplicates
    + opted_out) and messages (queued, sent, delivered, failed, expired, clicked, cost)."""
    return json_response(200, await services.batches.get(principal, batch_id))


@router.patch("/{batch_id}")
async def update_batch(
    batch_id: uuid.UUID, request: Request, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """Change a CREATED batch (409 once validated for sending, scheduled or done); a `file`
    replaces the old one; `action` then validates or schedules it."""
    await services.batches.editable(principal, batch_id)  # 404, 409 before the body
    async with form_body(request) as (fields, upload):
        out = await services.batches.update(principal, batch_id, batch_fields(fields), upload)
    return json_response(200, out)


@router.put("/{batch_id}/file")
async def replace_file(
    batch_id: uuid.UUID, request: Request, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """Replace the file of a CREATED CSV_FILE batch (multipart `file`, or a text/csv body)."""
    await services.batches.editable(principal, batch_id)
    async with form_body(request, raw_file=True) as (_, upload):
        if upload is None:
            raise ValidationFailed(
                "Send a file.", [{"field": "file", "code": "missing", "message": "no file"}]
            )
        out = await services.batches.replace_file(principal, batch_id, upload)
    return json_response(200, out)


@router.post("/{batch_id}/validate")
async def validate_batch(
    batch_id: uuid.UUID, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """Check every row and record its errors; the batch stays CREATED."""
    return json_response(200, await services.batches.act(principal, batch_id, "VALIDATE"))


@router.post("/{batch_id}/schedule")
async def schedule_batch(
    batch_id: uuid.UUID, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """Send the batch: SCHEDULED now, PROCESSING as its messages are written."""
    return json_response(200, await services.batches.act(principal, batch_id, "SCHEDULE"))


@router.post("/{batch_id}/pause")
async def pause_batch(
    batch_id: uuid.UUID, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """Hold every message of the batch not yet sent, until it resumes."""
    return json_response(200, await services.batches.pause(principal, batch_id))


@router.post("/{batch_id}/resume")
async def resume_batch(
    batch_id: uuid.UUID, principal: PrincipalDep, services: ServicesDep
) -> Response:
    return json_response(200, await services.batches.resume(principal, batch_id))


@router.post("/{batch_id}/cancel")
async def cancel_batch(
    batch_id: uuid.UUID, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """Cancel the batch and every message of it not yet sent."""
    return json_response(200, await services.batches.cancel(principal, batch_id))


@router.get("/{batch_id}/errors")
async def batch_errors(
    batch_id: uuid.UUID,
    principal: PrincipalDep,
    services: ServicesDep,
    after: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """Row errors in row order: row, column, code, reason, value. Follow `next` (a row)."""
    items, nxt = await services.batches.errors(principal, batch_id, after=after, limit=limit)
    return json_response(200, {"data": items, "next": nxt})


@router.get("/{batch_id}/errors.csv")
async def batch_errors_csv(
    batch_id: uuid.UUID, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """The row errors as a CSV file; cells a spreadsheet would run as formulas are quoted."""
    lines = await services.batches.errors_csv(principal, batch_id)
    return StreamingResponse(
        lines,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="batch-{batch_id}-errors.csv"'},
    )
