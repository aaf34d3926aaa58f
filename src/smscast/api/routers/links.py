"""Short URLs, and the native /v1 API of links and clicks.

Public, without credentials:

- `GET|HEAD /l/{code}`: 302 to the link's URL, the click buffered (never waited for);
- `GET|HEAD /{code}` on the custom short domain (`SMSCAST_SHORT_URL_BASE` without a path);
- an unknown code is a plain HTML 404, a code past its retention a plain HTML 410.

The target is only ever what smscast stored for the code: nothing from the request is used to
build the Location, so there is no open redirect.

With credentials, each 404 for another account's message or scope:

- `GET /v1/messages/{message_id}/links`: the message's links with their click counts;
- `GET /v1/messages/{message_id}/clicks`: every recorded request, newest first, bots too;
- `GET /v1/stats/clicks?campaign_id=|batch_id=|message_id=`: clicks, unique clicks,
  click-through rate, per URL too (definitions in `smscast.links.service`).
"""

from __future__ import annotations

import logging
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Scope as AsgiScope

from smscast.api.deps import PrincipalDep, ServicesDep, json_response
from smscast.db import utcnow
from smscast.errors import ValidationFailed
from smscast.links.agents import from_headers
from smscast.links.schemas import ClickPage, ClickStatsOut, LinkList
from smscast.links.service import Scope

router = APIRouter(tags=["links"])
log = logging.getLogger(__name__)

_HEADERS = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"}


def _page(status: int, title: str, text: str) -> Response:
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title></head><body><h1>{title}</h1><p>{text}</p></body></html>"
    )
    return Response(html, status, headers=_HEADERS, media_type="text/html; charset=utf-8")


async def _follow(code: str, request: Request) -> Response:
    links = request.app.state.services.links
    try:
        target = await links.resolve(code)
    except Exception:  # the database is unreachable: the recipient may simply try again
        log.exception("short code lookup failed")
        return _page(503, "Try again", "This link cannot be opened right now. Try again soon.")
    if target is None:
        return _page(404, "Link not found", "This link does not exist. Was it copied in full?")
    now = utcnow()
    if links.expired(target, now):
        return _page(410, "Link expired", "This link has expired.")
    user_agent, purpose = from_headers(request.scope["headers"])
    client = request.scope.get("client")
    links.record_click(
        target,
        method=request.scope["method"],
        user_agent=user_agent,
        purpose=purpose,
        client_ip=client[0] if client else None,
        now=now,
    )
    return Response(status_code=302, headers={"Location": target.location, **_HEADERS})


async def follow(request: Request) -> Response:
    """Redirect a short URL served by smscast itself."""
    return await _follow(request.path_params["short_code"], request)


# A plain Starlette route: the hottest public path skips FastAPI's dependency solving.
router.add_route("/l/{short_code}", follow, methods=["GET", "HEAD"], include_in_schema=False)


class _ShortDomainRoute(APIRoute):
    """A route that exists only for requests whose Host is the custom short domain.

    For any other host it does not match, so `/{code}` shadows nothing of the API.
    """

    def matches(self, scope: AsgiScope) -> tuple[Match, AsgiScope]:
        services = getattr(scope["app"].state, "services", None) if "app" in scope else None
        short_host = services.links.short_host if services is not None else None
        if short_host is None or scope["type"] != "http":
            return Match.NONE, {}
        for name, value in scope["headers"]:
            if name == b"host":
                host = value.decode("latin-1").rsplit(":", 1)[0].lower()
                if host == short_host:
                    return super().matches(scope)
                break
        return Match.NONE, {}


_short_domain = APIRouter(route_class=_ShortDomainRoute)


@_short_domain.api_route("/{short_code}", methods=["GET", "HEAD"], include_in_schema=False)
async def follow_on_short_domain(short_code: str, request: Request) -> Response:
    """Redirect a short URL on the custom short domain."""
    return await _follow(short_code, request)


router.include_router(_short_domain)


@router.get("/v1/messages/{message_id}/links", response_model=LinkList)
async def message_links(
    message_id: uuid.UUID, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """The message's short links, each with its clicks (empty if it was not shortened)."""
    return json_response(200, {"data": await services.links.message_links(principal, message_id)})


@router.get("/v1/messages/{message_id}/clicks", response_model=ClickPage)
async def message_clicks(
    message_id: uuid.UUID,
    principal: PrincipalDep,
    services: ServicesDep,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """Every request for the message's short links, newest first; `human` says which count."""
    items, next_cursor = await services.links.message_clicks(
        principal, message_id, cursor=cursor, limit=limit
    )
    return json_response(200, {"data": items, "next_cursor": next_cursor})


@router.get("/v1/stats/clicks", response_model=ClickStatsOut)
async def click_stats(
    principal: PrincipalDep,
    services: ServicesDep,
    campaign_id: uuid.UUID | None = None,
    batch_id: uuid.UUID | None = None,
    message_id: uuid.UUID | None = None,
) -> Response:
    """Clicks of a campaign, a batch or a message: give exactly one of the three."""
    given: list[Scope] = []
    if campaign_id is not None:
        given.append(Scope("campaign_id", campaign_id))
    if batch_id is not None:
        given.append(Scope("batch_id", batch_id))
    if message_id is not None:
        given.append(Scope("message_id", message_id))
    if len(given) != 1:
        raise ValidationFailed(
            "Give exactly one scope.",
            [
                {
                    "field": "campaign_id",
                    "code": "one_scope",
                    "message": "give exactly one of campaign_id, batch_id, message_id",
                }
            ],
        )
    return json_response(200, await services.links.stats(principal, given[0]))
