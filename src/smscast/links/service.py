"""Following short URLs, recording their clicks, and reading clicks back as statistics.

Definitions used by every statistic:

- `clicks`: human clicks (requests that were not HEAD, prefetch, preview fetchers or bots);
- `bot_clicks`: the other requests, recorded with the reason;
- `unique_clicks`: messages with at least one human click (a message is one recipient);
- `click_through_rate`: unique_clicks / messages_with_links, rounded to 4 places.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote, urlsplit, urlunsplit

from sqlalchemy import and_, case, distinct, func, select
from sqlalchemy.sql.elements import ColumnElement

from smscast.accounts.service import Principal
from smscast.config import Settings
from smscast.db import Database
from smscast.errors import InvalidRequest, NotFound
from smscast.links.agents import not_human
from smscast.links.clicks import USER_AGENT_MAX, ClickEvent, ClickRecorder, anonymise_ip
from smscast.links.codes import is_code
from smscast.links.lookups import CodeLookups
from smscast.links.models import CLICKS, LINKS
from smscast.links.shortener import Shortener
from smscast.messages.models import MESSAGES

__all__ = ["LinkService", "Scope", "Target", "location"]

ScopeKind = Literal["campaign_id", "batch_id", "message_id"]

_L, _C, _M = LINKS, CLICKS, MESSAGES
_PROSE_TAIL = ".,;:!?)]}'\"*"
_HUMAN = case((_C.c.human, 1), else_=0)
_BOT = case((_C.c.human, 0), else_=1)
_HUMAN_MESSAGE = case((_C.c.human, _C.c.message_id), else_=None)


@dataclass(frozen=True, slots=True)
class Target:
    """What a code redirects to, cached by code (links never change)."""

    link_id: uuid.UUID
    message_id: uuid.UUID
    account_id: uuid.UUID
    url: str
    location: str  # `url` as an ASCII Location header
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Scope:
    kind: ScopeKind
    value: uuid.UUID


class LinkService:
    def __init__(
        self,
        db: Database,
        *,
        short_url_base: str,
        code_length: int = 7,
        retention_days: int = 180,
        flush_interval_s: float = 1.0,
        cache_size: int = 20_000,  # ~8 MB; a preview fetch and the click come seconds apart
    ):
        self.db = db
        self.shortener = Shortener(short_url_base, code_length=code_length)
        self.clicks = ClickRecorder(db, interval_s=flush_interval_s)
        self.lookups = CodeLookups(db)
        self.retention = timedelta(days=retention_days)
        self.cache_size = cache_size
        self._cache: OrderedDict[str, Target] = OrderedDict()
        base = urlsplit(self.shortener.base)
        # A custom domain serves codes at its root: GET /{code} with that Host.
        self.short_host = base.hostname if base.path == "" else None

    @classmethod
    def from_settings(cls, db: Database, settings: Settings) -> LinkService:
        return cls(
            db,
            short_url_base=settings.resolved_short_url_base,
            code_length=settings.link_code_length,
            retention_days=settings.link_retention_days,
            flush_interval_s=settings.click_flush_interval_s,
        )

    async def close(self) -> None:
        await self.lookups.close()
        await self.clicks.close()

    # -- the redirect ---------------------------------------------------------------------

    async def resolve(self, code: str) -> Target | None:
        """The link behind `code`, from the cache or the database (batched); None if unknown."""
        target = self._cache.get(code)
        if target is not None:
            self._cache.move_to_end(code)
            return target
        if not is_code(code):
            # Some apps keep a sentence's final "." or ")" in the link they open.
            code = code.rstrip(_PROSE_TAIL)
            if not is_code(code):
                return None
            return await self.resolve(code)
        row = await self.lookups.get(code)
        if row is None:
            return None  # not cached: a code may be committed by another process any time
        target = Target(
            row.id, row.message_id, row.account_id, row.url, location(row.url), row.created_at
        )
        self._cache[code] = target
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return target

    def expired(self, target: Target, now: datetime) -> bool:
        return now >= target.created_at + self.retention

    def record_click(
        self,
        target: Target,
        *,
        method: str,
        user_agent: str,
        purpose: str | None,
        client_ip: str | None,
        now: datetime,
    ) -> None:
        """Buffer the click of this request (see `links.clicks`); never waits."""
        reason = not_human(method, user_agent, purpose)
        self.clicks.record(
            ClickEvent(
                link_id=target.link_id,
                message_id=target.message_id,
                account_id=target.account_id,
                url=target.url,
                at=now,
                human=reason is None,
                bot=reason,
                user_agent=user_agent[:USER_AGENT_MAX] or None,
                ip=anonymise_ip(client_ip),
            )
        )

    # -- reading --------------------------------------------------------------------------

    async def message_links(
        self, principal: Principal, message_id: uuid.UUID
    ) -> list[dict[str, Any]]:
        """The links of one message, each with its click counts."""
        async with self.db.begin() as conn:
            await _require_message(conn, principal, message_id)
            links = (
                await conn.execute(
                    select(_L).where(_L.c.message_id == message_id).order_by(_L.c.position)
                )
            ).all()
            counts = {
                r.link_id: r
                for r in (
                    await conn.execute(
                        select(
                            _C.c.link_id,
                            func.sum(_HUMAN).label("clicks"),
                            func.sum(_BOT).label("bot_clicks"),
                            func.min(case((_C.c.human, _C.c.at))).label("first"),
                            func.max(case((_C.c.human, _C.c.at))).label("last"),
                        )
                        .where(_C.c.message_id == message_id)
                        .group_by(_C.c.link_id)
                    )
                ).all()
            }
        return [self._link_out(link, counts.get(link.id)) for link in links]

    def _link_out(self, link: Any, counts: Any) -> dict[str, Any]:
        clicks = int(counts.clicks or 0) if counts is not None else 0
        return {
            "id": link.id,
            "message_id": link.message_id,
            "code": link.code,
            "short_url": link.short_url,
            "url": link.url,
            "position": link.position,
            "created_at": link.created_at,
            "expires_at": link.created_at + self.retention,
            "clicks": clicks,
            "unique_clicks": 1 if clicks else 0,
            "bot_clicks": int(counts.bot_clicks or 0) if counts is not None else 0,
            "first_clicked_at": _utc(counts.first) if counts is not None else None,
            "last_clicked_at": _utc(counts.last) if counts is not None else None,
        }

    async def message_clicks(
        self, principal: Principal, message_id: uuid.UUID, *, cursor: str | None, limit: int
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Every recorded request for the message's links, newest first, bots included."""
        conds: list[ColumnElement[bool]] = [_C.c.message_id == message_id]
        if cursor:
            if not cursor.isdigit() or len(cursor) > 19:
                raise InvalidRequest("The cursor is not valid.", code="invalid-cursor")
            conds.append(_C.c.id < int(cursor))
        query = (
            select(_C, _L.c.url, _L.c.code)
            .join(_L, _L.c.id == _C.c.link_id)
            .where(and_(*conds))
            .order_by(_C.c.id.desc())
            .limit(limit + 1)
        )
        async with self.db.begin() as conn:
            await _require_message(conn, principal, message_id)
            rows = (await conn.execute(query)).all()
        items = [
            {
                "id": r.id,
                "link_id": r.link_id,
                "code": r.code,
                "url": r.url,
                "at": r.at,
                "human": bool(r.human),
                "bot": r.bot,
                "user_agent": r.user_agent,
                "ip": r.ip,
            }
            for r in rows[:limit]
        ]
        return items, (str(rows[limit - 1].id) if len(rows) > limit else None)

    async def stats(self, principal: Principal, scope: Scope) -> dict[str, Any]:
        """Click statistics of a campaign, a batch or a message; 404 if the account has none."""
        column = _M.c.id if scope.kind == "message_id" else _M.c[scope.kind]
        in_scope = and_(_M.c.account_id == principal.account_id, column == scope.value)
        links = _L.join(_M, _M.c.id == _L.c.message_id)
        clicks = _C.join(_M, _M.c.id == _C.c.message_id)
        by_url_clicks = _C.join(_L, _L.c.id == _C.c.link_id).join(_M, _M.c.id == _C.c.message_id)
        async with self.db.begin() as conn:
            messages = (
                await conn.execute(select(func.count()).select_from(_M).where(in_scope))
            ).scalar_one()
            if not messages:
                raise NotFound(f"No messages with this {scope.kind}.")
            n_links, with_links = (
                await conn.execute(
                    select(func.count(_L.c.id), func.count(distinct(_L.c.message_id)))
                    .select_from(links)
                    .where(in_scope)
                )
            ).one()
            totals = (
                await conn.execute(_click_counts(select()).select_from(clicks).where(in_scope))
            ).one()
            url_links = (
                await conn.execute(
                    select(_L.c.url, func.count(distinct(_L.c.message_id)).label("messages"))
                    .select_from(links)
                    .where(in_scope)
                    .group_by(_L.c.url)
                )
            ).all()
            url_clicks = {
                r.url: r
                for r in (
                    await conn.execute(
                        _click_counts(select(_L.c.url))
                        .select_from(by_url_clicks)
                        .where(in_scope)
                        .group_by(_L.c.url)
                    )
                ).all()
            }
        out = {
            scope.kind: scope.value,
            "messages": messages,
            "messages_with_links": with_links,
            "links": n_links,
        } | _counts(totals, with_links)
        by_url = [
            {"url": r.url, "messages": r.messages} | _counts(url_clicks.get(r.url), r.messages)
            for r in url_links
        ]
        by_url.sort(key=lambda u: (-u["clicks"], -u["messages"], u["url"]))
        return out | {"by_url": by_url[:100]}


def _click_counts(query: Any) -> Any:
    return query.add_columns(
        func.sum(_HUMAN).label("clicks"),
        func.count(distinct(_HUMAN_MESSAGE)).label("unique_clicks"),
        func.sum(_BOT).label("bot_clicks"),
    )


def _counts(counts: Any, messages_with_links: int) -> dict[str, Any]:
    """Click counts of one aggregate row (None: no clicks), and the click-through rate."""
    clicks = int(counts.clicks or 0) if counts is not None else 0
    unique = int(counts.unique_clicks or 0) if counts is not None else 0
    bots = int(counts.bot_clicks or 0) if counts is not None else 0
    rate = round(unique / messages_with_links, 4) if messages_with_links else 0.0
    return {
        "clicks": clicks,
        "unique_clicks": unique,
        "bot_clicks": bots,
        "click_through_rate": rate,
    }


async def _require_message(conn: Any, principal: Principal, message_id: uuid.UUID) -> None:
    found = (
        await conn.execute(
            select(_M.c.id).where(_M.c.id == message_id, _M.c.account_id == principal.account_id)
        )
    ).first()
    if found is None:
        raise NotFound("No such message.")


def _utc(value: Any) -> datetime | None:
    """MIN/MAX over a CASE lose the column type on SQLite: text comes back, made aware here."""
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def location(url: str) -> str:
    """`url` as an ASCII Location header value: IDNA host, percent-encoded path and query."""
    if url.isascii():
        return url
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").encode("idna").decode("ascii")
        netloc = parts.netloc.rsplit("@", 1)[0] + "@" + host if "@" in parts.netloc else host
        if parts.port is not None:
            netloc += f":{parts.port}"
    except (UnicodeError, ValueError):  # not IDNA-encodable, or a port out of range
        return quote(url, safe=_SAFE)
    pieces = (quote(p, safe=_SAFE) for p in (netloc, parts.path, parts.query, parts.fragment))
    netloc, path, query, fragment = pieces
    return urlunsplit((parts.scheme, netloc, path, query, fragment))


# RFC 3986 reserved and unreserved characters, and % so that existing escapes stay as they are.
_SAFE = "/%:@!$&'()*+,;=-._~?#[]"
