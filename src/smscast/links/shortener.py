"""Replace the links of a body with short URLs, and build the link rows that go with it.

Pure apart from `secrets`: the rows are written by the message's own transaction
(`messages.writer.write_sets` -> `links.store.insert_links`), which also settles the rare
collision of a random code with a stored one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from smscast.db import new_id
from smscast.encoding import analyze
from smscast.errors import ValidationFailed
from smscast.links.codes import new_code
from smscast.links.detection import FoundLink, replace_links
from smscast.messages.schemas import MAX_BODY_CHARS

__all__ = ["Shortened", "Shortener"]


@dataclass(frozen=True, slots=True)
class Shortened:
    body: str
    links: list[dict[str, Any]]  # rows for the links table, in the order of the body


class Shortener:
    """Short URLs are `{base}/{code}`: every character of `base` is paid in segments."""

    def __init__(self, base: str, *, code_length: int = 7):
        self.base = base.rstrip("/")
        self.code_length = code_length

    @property
    def short_url_length(self) -> int:
        return len(self.base) + 1 + self.code_length

    def shorten(
        self, body: str, *, account_id: uuid.UUID, message_id: uuid.UUID, now: datetime
    ) -> Shortened:
        """`body` with a fresh code per distinct link; the same URL twice shares its code.

        Raise ValidationFailed if the shortened body is longer than a body may be.
        """
        rows: list[dict[str, Any]] = []
        by_url: dict[str, str] = {}
        codes: set[str] = set()

        def short(link: FoundLink) -> str:
            if link.url in by_url:
                return by_url[link.url]
            code = new_code(self.code_length)
            while code in codes:  # one message's codes differ before the database sees them
                code = new_code(self.code_length)
            codes.add(code)
            url = by_url[link.url] = f"{self.base}/{code}"
            rows.append(
                {
                    "id": new_id(),
                    "code": code,
                    "account_id": account_id,
                    "message_id": message_id,
                    "position": len(rows),
                    "url": link.url,
                    "short_url": url,
                    "created_at": now,
                }
            )
            return url

        new_body, _ = replace_links(body, short)
        if len(new_body) > MAX_BODY_CHARS:  # many tiny links ("a.co") can grow a body
            raise ValidationFailed(
                "The body is too long once its links are shortened.",
                [
                    {
                        "field": "body",
                        "code": "too_long_when_shortened",
                        "message": f"{len(new_body)} characters with short URLs, over "
                        f"{MAX_BODY_CHARS}",
                    }
                ],
            )
        return Shortened(new_body, rows)

    def preview(self, body: str) -> dict[str, Any] | None:
        """What shortening does to `body` and its cost (None: no links). Codes show as XXXXXXX."""
        placeholder = f"{self.base}/{'X' * self.code_length}"
        new_body, found = replace_links(body, lambda _: placeholder)
        if not found:
            return None
        before, after = analyze(body), analyze(new_body)
        return {
            "links": [link.url for link in found],
            "short_url_length": self.short_url_length,
            "body": new_body,
            "encoding": after.encoding,
            "segments": after.segments,
            "segments_saved": before.segments - after.segments,
        }
