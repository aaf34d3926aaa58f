"""JSON in and out with orjson, knowing the types our drivers hand back."""

from __future__ import annotations

import uuid
from typing import Any

import orjson

__all__ = ["dumps", "jsonable", "loads"]

loads = orjson.loads


def _default(value: Any) -> Any:
    # asyncpg returns its own UUID subclass, which orjson does not take as a UUID.
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value: Any, *, indent: bool = False) -> bytes:
    return orjson.dumps(value, default=_default, option=orjson.OPT_INDENT_2 if indent else 0)


def jsonable(value: Any) -> Any:
    """UUIDs and datetimes as JSON-safe values, exactly as `dumps` writes them."""
    return orjson.loads(dumps(value))
