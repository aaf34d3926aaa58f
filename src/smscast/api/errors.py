"""The one place where domain errors become HTTP: RFC 9457 problem details on the native API."""

from __future__ import annotations

import logging
import time
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from smscast import errors as e
from smscast.lib.jsonx import dumps

__all__ = ["PROBLEM_RESPONSES", "database_unavailable", "install", "problem"]

log = logging.getLogger(__name__)

# What the OpenAPI document says every operation may answer besides its success: a problem.
# A router with an error shape of its own (a vendor dialect, the OAuth token endpoint)
# declares its own `responses`, which take precedence over this app-wide default.
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "code", "message"],
                "properties": {
                    "field": {"type": "string"},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
    },
}
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    "default": {
        "description": "An error, as RFC 9457 problem details.",
        "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA}},
    }
}

# Seconds a client should wait before retrying when the database is unreachable.
UNAVAILABLE_RETRY_AFTER_S = 2
# SQLSTATE classes that mean "the database cannot serve us right now", not "this request is
# wrong": connection (08), resources (53), object state (55: not accepting connections, lock
# not available), operator intervention (57: admin shutdown, cannot connect now), system
# (58), transaction rollback (40: serialization failure, deadlock).
_TRANSIENT_SQLSTATE = ("08", "40", "53", "55", "57", "58")

STATUS: dict[type[e.SmscastError], int] = {
    e.ValidationFailed: 422,
    e.InvalidRequest: 400,
    e.Unauthenticated: 401,
    e.Forbidden: 403,
    e.NotFound: 404,
    e.Conflict: 409,
    e.PayloadTooLarge: 413,
    e.UnsupportedMediaType: 415,
    e.RateLimited: 429,
    e.Unavailable: 503,
}

PROBLEM_BASE = "https://smscast.dev/problems/"


def status_of(exc: e.SmscastError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body = {"type": PROBLEM_BASE + code, "title": title, "status": status, "detail": detail}
    body |= extra
    return Response(
        dumps(body),
        status_code=status,
        media_type="application/problem+json",
        headers=headers,
    )


def domain_problem(exc: e.SmscastError) -> Response:
    status = status_of(exc)
    extra: dict[str, Any] = dict(exc.extra)
    headers: dict[str, str] = {}
    if isinstance(exc, e.ValidationFailed):
        extra["errors"] = exc.errors
    if isinstance(exc, e.RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, e.Unavailable):
        headers["Retry-After"] = str(extra.pop("retry_after", UNAVAILABLE_RETRY_AFTER_S))
    if isinstance(exc, e.Unauthenticated):
        headers["WWW-Authenticate"] = 'Basic realm="smscast", Bearer'
    return problem(status, exc.code, exc.title, exc.detail, headers=headers, **extra)


def database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the database is out of reach for now (a retry later may succeed).

    Constraint violations, bad data and SQL errors are bugs or conflicts, not outages.
    """
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated or isinstance(
            exc, sa_exc.OperationalError | sa_exc.InterfaceError
        ):
            return True
        state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        return isinstance(state, str) and state[:2] in _TRANSIENT_SQLSTATE
    # The driver's own errors, where a hot path talks to asyncpg directly (COPY): a server
    # error by its SQLSTATE; a closed or broken connection.
    if isinstance(exc, asyncpg.PostgresError):
        return str(exc.sqlstate)[:2] in _TRANSIENT_SQLSTATE
    if isinstance(exc, asyncpg.InterfaceError | asyncpg.exceptions.InternalClientError):
        return True
    # Pool exhausted; connection refused or reset; a connect that timed out (the database's,
    # or any other network dependency's: retrying later is right for those too).
    return isinstance(exc, sa_exc.TimeoutError | OSError)


_last_outage_log = 0.0


def _log_outage(exc: BaseException) -> None:
    # At most one line every 5 s: an outage under load would otherwise log each request. The
    # driver's own message only: SQLAlchemy's text carries the statement's parameters.
    global _last_outage_log
    now = time.monotonic()
    if now - _last_outage_log >= 5:
        _last_outage_log = now
        cause = exc.orig if isinstance(exc, sa_exc.DBAPIError) else exc
        log.warning("dependency unavailable: %s: %s", type(cause).__name__, str(cause)[:200])


def unavailable_problem() -> Response:
    return problem(
        503,
        e.Unavailable.code,
        e.Unavailable.title,
        "A service this request depends on is unavailable; retry shortly.",
        headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER_S)},
    )


def _routes(routes: Any) -> Any:
    for route in routes:
        inner = getattr(route, "original_router", None)  # FastAPI nests included routers
        if inner is not None:
            yield from _routes(inner.routes)
        else:
            yield route


def _allowed_methods(request: Request) -> str | None:
    """The methods of the resource at this path, all of them (Starlette names only one route's).

    The resource is the first route whose path matches, as the router resolves it; its
    methods are those of every route with the same path template.
    """
    path = request.scope["path"]
    template = None
    methods: set[str] = set()
    for route in _routes(request.app.router.routes):
        regex = getattr(route, "path_regex", None)
        if regex is None or not regex.match(path):
            continue
        template = template or route.path
        if route.path == template:
            methods |= getattr(route, "methods", None) or set()
    return ", ".join(sorted(methods)) or None


def install(app: FastAPI) -> None:
    @app.exception_handler(e.SmscastError)
    async def _domain(_: Request, exc: e.SmscastError) -> Response:
        return domain_problem(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> Response:
        errors = []
        for err in exc.errors():
            loc = [str(p) for p in err.get("loc", ())]
            if loc and loc[0] in ("body", "query", "path", "header"):
                loc = loc[1:]
            errors.append(
                {"field": ".".join(loc), "code": err.get("type"), "message": err.get("msg")}
            )
        if any(err["code"] == "json_invalid" for err in errors):
            return problem(400, "invalid-json", "Invalid JSON", "The body is not valid JSON.")
        return problem(
            422,
            "validation-failed",
            "Validation failed",
            "The request is not valid.",
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        codes = {404: "not-found", 405: "method-not-allowed", 413: "payload-too-large"}
        code = codes.get(exc.status_code, f"http-{exc.status_code}")
        headers = dict(getattr(exc, "headers", None) or {})
        allowed = _allowed_methods(request) if exc.status_code == 405 else None
        if allowed:
            headers["Allow"] = allowed
        return problem(exc.status_code, code, str(exc.detail), str(exc.detail), headers=headers)

    # Handled here rather than by the catch-all below, which Starlette re-raises to the server.
    @app.exception_handler(sa_exc.DBAPIError)
    @app.exception_handler(sa_exc.TimeoutError)
    @app.exception_handler(OSError)
    @app.exception_handler(asyncpg.PostgresError)
    @app.exception_handler(asyncpg.InterfaceError)
    @app.exception_handler(asyncpg.exceptions.InternalClientError)
    async def _database(request: Request, exc: Exception) -> Response:
        if database_unavailable(exc):
            _log_outage(exc)
            return unavailable_problem()
        return await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(500, "internal", "Internal error", "Something went wrong on our side.")
