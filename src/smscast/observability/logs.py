"""Structured logs on the standard `logging` module: JSON lines in production, readable lines
on a terminal, and never a secret.

Every line carries the request id of the request it was logged under (a context variable set
by the API's request-id middleware). Pass what a line is about as `extra=`: message ids as
`message_id`, a message text as `body`. Redaction runs on every line, whatever its origin:

- values under secret-looking keys (authorization, password, secret, token, x-api-key,
  cookie) become "***", in `extra` and in `key=value` / `key: value` text alike;
- credentials in URLs (`postgresql://user:pw@host`) and Basic/Bearer values lose their secret,
  and so do smscast's own secrets anywhere, by their prefix (sk_, at_, whsec_, in_);
- message bodies (`extra` keys body, text, short_message) become "<N chars>" unless
  SMSCAST_LOG_BODIES=true. A body pasted into the message text itself cannot be recognised:
  do not do that.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from collections.abc import Mapping
from contextvars import ContextVar
from typing import IO, Any

from smscast.config import Settings

__all__ = [
    "ConsoleFormatter",
    "JsonFormatter",
    "redact_text",
    "request_id",
    "setup_logging",
    "wants_json",
]

request_id: ContextVar[str | None] = ContextVar("smscast_request_id", default=None)

_SECRET_KEY = re.compile(
    r"authorization|passw(or)?d|pwd|secret|token|x-api-key|cookie|credential", re.IGNORECASE
)
_BODY_KEYS = frozenset({"body", "text", "short_message", "message_body"})

_TEXT_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # scheme://user:password@host
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s:/@]*:)[^\s@/]+@", re.IGNORECASE), r"\1***@"),
    # Authorization: Basic abc=, Bearer xyz, a bare "Basic dXNlcjpwdw=="
    (
        re.compile(r"\b(basic|bearer|digest)(\s+)[A-Za-z0-9._~+/=-]{6,}", re.IGNORECASE),
        r"\1\2***",
    ),
    # Our own secrets by their prefix, wherever they appear: API secrets, access tokens,
    # webhook signing secrets, inbound (MO) URL tokens.
    (re.compile(r"\b(sk|at|whsec|in)_[A-Za-z0-9_-]{20,}"), r"\1_***"),
    # password=..., "api_secret": "...", x-api-key: ..., secret_key=...
    (
        re.compile(
            r"\b([\w-]*(?:passw(?:or)?d|pwd|secret|token|x-api-key|authorization)[\w-]*)"
            r"(['\"]?\s*[:=]\s*['\"]?)(?!\*\*\*)([^\s'\",;&}]+)",
            re.IGNORECASE,
        ),
        r"\1\2***",
    ),
)

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()
    | {"message", "asctime", "color_message", "taskName"}
)


def redact_text(text: str) -> str:
    """Blank out credentials in free text."""
    for pattern, repl in _TEXT_RULES:
        text = pattern.sub(repl, text)
    return text


def _redact_value(key: str, value: Any, log_bodies: bool) -> Any:
    if _SECRET_KEY.search(key):
        return "***"
    if key in _BODY_KEYS and not log_bodies and isinstance(value, str | bytes):
        return f"<{len(value)} chars>"
    if isinstance(value, Mapping):
        return {str(k): _redact_value(str(k), v, log_bodies) for k, v in value.items()}
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    return redact_text(str(value))


class _Base(logging.Formatter):
    def __init__(self, *, log_bodies: bool = False):
        super().__init__()
        self.log_bodies = log_bodies

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        """The redacted extras of a record, the request id first."""
        out: dict[str, Any] = {}
        rid = request_id.get()
        if rid is not None:
            out["request_id"] = rid
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = _redact_value(key, value, self.log_bodies)
        return out

    def text(self, record: logging.LogRecord) -> str:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the line
            message = f"{record.msg!r} % {record.args!r}"
        return redact_text(message)

    def exception(self, record: logging.LogRecord) -> str | None:
        if record.exc_info:
            return redact_text(self.formatException(record.exc_info))
        if record.stack_info:
            return redact_text(self.formatStack(record.stack_info))
        return None


class JsonFormatter(_Base):
    """One JSON object per line: ts, level, logger, msg, request_id, extras, exc."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": _iso(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": self.text(record),
            "pid": record.process,
        }
        line |= self.fields(record)
        exc = self.exception(record)
        if exc:
            line["exc"] = exc
        return json.dumps(line, default=str, ensure_ascii=False)


class ConsoleFormatter(_Base):
    """`12:00:01.123 INFO  smscast.x: text  key=value` for people at a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        clock = time.strftime("%H:%M:%S", time.localtime(record.created))
        head = f"{clock}.{int(record.msecs):03d} {record.levelname:<7} {record.name}: "
        extras = "  ".join(f"{k}={v}" for k, v in self.fields(record).items())
        line = head + self.text(record) + (f"  {extras}" if extras else "")
        exc = self.exception(record)
        return f"{line}\n{exc}" if exc else line


def _iso(created: float) -> str:
    return (
        time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created))
        + f".{int(created % 1 * 1000):03d}Z"
    )


def wants_json(settings: Settings) -> bool:
    if settings.log_format == "auto":
        return settings.env == "production"
    return settings.log_format == "json"


class _Handler(logging.StreamHandler):
    """Ours, so that a second setup replaces it instead of doubling every line."""


# Chatty at INFO, and nothing an operator needs from them there.
_QUIET = ("alembic", "sqlalchemy.engine", "aiosqlite", "asyncio", "httpx", "httpcore")


def setup_logging(settings: Settings | None = None, *, stream: IO[str] | None = None) -> None:
    """Send every log line of this process through one redacting formatter to stderr.

    Safe to call again (the CLI, then `serve`, then each API worker process). Without
    settings (they failed to validate), read the format from the environment.
    """
    if settings is not None:
        as_json, bodies, level = wants_json(settings), settings.log_bodies, settings.log_level
    else:
        env = os.environ
        fmt = env.get("SMSCAST_LOG_FORMAT", "auto").lower()
        as_json = fmt == "json" or (fmt == "auto" and env.get("SMSCAST_ENV") == "production")
        bodies = env.get("SMSCAST_LOG_BODIES", "").lower() in ("1", "true", "yes", "on")
        level = env.get("SMSCAST_LOG_LEVEL", "info")
    handler = _Handler(stream or sys.stderr)
    handler.setFormatter(
        JsonFormatter(log_bodies=bodies) if as_json else ConsoleFormatter(log_bodies=bodies)
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(_level(level))
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    # uvicorn's loggers come through ours (serve passes log_config=None). Its access logger
    # is left as uvicorn set it: off (our middleware writes better lines).
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True


def _level(name: str) -> int:
    value = logging.getLevelName(name.upper())
    return value if isinstance(value, int) else logging.INFO
