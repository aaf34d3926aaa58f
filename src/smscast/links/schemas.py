"""What the native API returns about links and clicks (documentation of the JSON shapes)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel

__all__ = [
    "ClickOut",
    "ClickPage",
    "ClickStatsOut",
    "LinkList",
    "LinkOut",
    "UrlStatsOut",
]


class LinkOut(BaseModel):
    id: uuid.UUID
    message_id: uuid.UUID
    code: str
    short_url: str
    url: str
    position: int
    created_at: datetime
    expires_at: datetime  # then the short URL answers 410 Gone
    clicks: int
    unique_clicks: int  # 1 once the recipient clicked
    bot_clicks: int
    first_clicked_at: datetime | None
    last_clicked_at: datetime | None


class ClickOut(BaseModel):
    id: int
    link_id: uuid.UUID
    code: str
    url: str
    at: datetime
    human: bool
    bot: str | None  # why it is not counted: head, prefetch, no-user-agent, a fetcher's name
    user_agent: str | None
    ip: str | None  # last IPv4 octet or last 80 IPv6 bits zeroed


class _Counts(BaseModel):
    messages: int
    clicks: int
    unique_clicks: int
    bot_clicks: int
    click_through_rate: float


class UrlStatsOut(_Counts):
    url: str


class ClickStatsOut(_Counts):
    campaign_id: uuid.UUID | None = None
    batch_id: uuid.UUID | None = None
    message_id: uuid.UUID | None = None
    messages_with_links: int
    links: int
    by_url: list[UrlStatsOut]


class LinkList(BaseModel):
    data: list[LinkOut]


class ClickPage(BaseModel):
    data: list[ClickOut]
    next_cursor: str | None
