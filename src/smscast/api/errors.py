"""The one place where domain errors become HTTP: RFC 9457 problem details on the native API."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from smscast import errors as e
from smscast.lib.jsonx import dumps

__all__ = ["install", "problem"]

log = logging.getLogger(__name__)

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
    if isinstance(exc, e.Unauthenticated):
        headers["WWW-Authenticate"] = 'Basic realm="smscast", Bearer'
    return problem(status, exc.code, exc.title, exc.detail, headers=headers, **extra)


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
    async def _http(_: Request, exc: StarletteHTTPException) -> Response:
        codes = {404: "not-found", 405: "method-not-allowed", 413: "payload-too-large"}
        code = codes.get(exc.status_code, f"http-{exc.status_code}")
        return problem(
            exc.status_code,
            code,
            str(exc.detail),
            str(exc.detail),
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(500, "internal", "Internal error", "Something went wrong on our side.")
