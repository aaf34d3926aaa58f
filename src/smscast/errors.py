"""The domain error tree. Services raise these; `api/errors.py` maps them to HTTP (or a dialect).

    SmscastError (code, permanent)
    ├── InvalidRequest          400  malformed input that no schema caught
    │   └── ValidationFailed    422  fields that break a rule; `errors` lists them
    ├── Unauthenticated         401  missing or wrong credentials
    ├── Forbidden               403  credentials are fine, the action is not allowed
    ├── NotFound                404  missing, or another account's
    ├── Conflict                409  state forbids it (idempotency key reuse, batch not CREATED)
    │   └── InvalidTransition   409  a state machine refused a transition
    ├── PayloadTooLarge         413
    ├── UnsupportedMediaType    415
    ├── RateLimited             429  (retry_after seconds)
    └── Unavailable             503  a dependency is down; retryable

`permanent` says whether retrying the same call can ever succeed.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "Conflict",
    "FieldError",
    "Forbidden",
    "InvalidRequest",
    "InvalidTransition",
    "NotFound",
    "PayloadTooLarge",
    "RateLimited",
    "SmscastError",
    "Unauthenticated",
    "Unavailable",
    "UnsupportedMediaType",
    "ValidationFailed",
]


class SmscastError(Exception):
    """Base of every error a service raises on purpose."""

    code = "error"
    title = "Error"
    permanent = True

    def __init__(self, detail: str, *, code: str | None = None, **extra: Any):
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.extra = extra


class InvalidRequest(SmscastError):
    code = "invalid-request"
    title = "Invalid request"


FieldError = dict[str, Any]  # {"field": "to", "code": "invalid_number", "message": "..."}


class ValidationFailed(InvalidRequest):
    code = "validation-failed"
    title = "Validation failed"

    def __init__(self, detail: str, errors: list[FieldError], *, code: str | None = None):
        super().__init__(detail, code=code)
        self.errors = errors


class Unauthenticated(SmscastError):
    code = "unauthenticated"
    title = "Unauthenticated"


class Forbidden(SmscastError):
    code = "forbidden"
    title = "Forbidden"


class NotFound(SmscastError):
    code = "not-found"
    title = "Not found"


class Conflict(SmscastError):
    code = "conflict"
    title = "Conflict"


class InvalidTransition(Conflict):
    code = "invalid-transition"
    title = "Invalid state transition"


class PayloadTooLarge(SmscastError):
    code = "payload-too-large"
    title = "Payload too large"


class UnsupportedMediaType(SmscastError):
    code = "unsupported-media-type"
    title = "Unsupported media type"


class RateLimited(SmscastError):
    code = "rate-limited"
    title = "Too many requests"
    permanent = False

    def __init__(self, detail: str, *, retry_after: int):
        super().__init__(detail)
        self.retry_after = retry_after


class Unavailable(SmscastError):
    code = "unavailable"
    title = "Service unavailable"
    permanent = False
