"""Native /v1 templates: bodies with {{placeholders}}, checked when saved; previews."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import Response

from smscast.api.deps import JsonBody, PrincipalDep, ServicesDep, json_response
from smscast.templates.schemas import PreviewIn, TemplateIn, TemplatePatch

router = APIRouter(prefix="/v1/templates", tags=["templates"])


@router.post("", status_code=201, dependencies=[JsonBody])
async def create_template(
    data: TemplateIn, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """Create a template. A placeholder must name number, first_name, last_name, email or a
    key listed in `attributes`; `{{first_name|there}}` gives a default."""
    return json_response(201, await services.templates.create(principal, data))


@router.get("")
async def list_templates(principal: PrincipalDep, services: ServicesDep) -> Response:
    return json_response(200, {"data": await services.templates.list(principal)})


@router.get("/{template_id}")
async def get_template(
    template_id: uuid.UUID, principal: PrincipalDep, services: ServicesDep
) -> Response:
    return json_response(200, await services.templates.get(principal, template_id))


@router.patch("/{template_id}", dependencies=[JsonBody])
async def update_template(
    template_id: uuid.UUID, data: TemplatePatch, principal: PrincipalDep, services: ServicesDep
) -> Response:
    return json_response(200, await services.templates.update(principal, template_id, data))


@router.delete("/{template_id}", status_code=204)
async def delete_template(
    template_id: uuid.UUID, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """Delete a template no batch uses (409 otherwise)."""
    await services.templates.delete(principal, template_id)
    return Response(status_code=204)


@router.post("/{template_id}/preview", dependencies=[JsonBody])
async def preview_template(
    template_id: uuid.UUID, data: PreviewIn, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """Render for one contact (`contact_id` or `number`) and/or given `attributes`;
    `missing` lists placeholders without a value or default (a row error in a batch)."""
    return json_response(200, await services.templates.preview(principal, template_id, data))
