"""The webhook sender: claim due deliveries, POST them signed, record what happened.

At-least-once: a delivery is marked delivered only after a 2xx answer is recorded, so a
crash between the answer and the record sends it again (receivers deduplicate by event id).
Failures (connection refused or reset, timeouts, 408, 429, 5xx) are retried with
exponential backoff and jitter, honouring Retry-After on 429 and 503, until the retry
horizon (24 h by default) has passed since the event (or its replay); then it is dead. Any
other answer (3xx: redirects are not followed; 4xx) and an address the SSRF policy refuses
are permanent: dead at once. Dead deliveries can be replayed.

Order: an event of a message is not sent while an earlier event of that message is pending
or in flight to the same destination. Replays, and events of different messages, carry no
order.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from smscast import __version__
from smscast.config import Settings
from smscast.db import Database, utcnow
from smscast.lib.jsonx import dumps
from smscast.webhooks.signing import HEADER, signature_header
from smscast.webhooks.ssrf import Resolver, policy_for
from smscast.webhooks.store import DeliveryStore, Due, Outcome, Result
from smscast.webhooks.transport import BlockedConnect, GuardedTransport

__all__ = ["SenderStats", "WebhookSender", "envelope"]

log = logging.getLogger(__name__)

USER_AGENT = f"smscast-webhooks/{__version__}"
MAX_ANSWER_BYTES = 64 * 1024  # read this much of an answer, then drop the connection


def envelope(d: Due) -> bytes:
    """The body of a delivery: the same bytes on every attempt."""
    at = d.occurred_at.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    return dumps({"id": str(d.event_id), "type": d.type, "occurred_at": at, "data": d.payload})


def retry_after_s(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


@dataclass
class SenderStats:
    delivered: int = 0
    retried: int = 0
    dead: int = 0


class WebhookSender:
    """Deliver the outbox until `run`'s stop event is set. Several may share a PostgreSQL."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        resolver: Resolver | None = None,
        concurrency: int | None = None,
        poll_s: float = 0.25,
        flush_s: float = 0.02,
        drain_s: float = 10.0,
        sweep_s: float = 5.0,
    ):
        self.store = DeliveryStore(db)
        self.policy = policy_for(settings)
        self.resolver = resolver
        self.timeout_s = settings.webhook_timeout_s
        self.concurrency = concurrency or settings.webhook_concurrency
        self.horizon = timedelta(seconds=settings.webhook_retry_horizon_s)
        self.backoff_base = settings.webhook_backoff_base_s
        self.backoff_max = max(settings.webhook_backoff_max_s, self.backoff_base)
        # A lease outlasts one attempt (bounded by the timeout) and the wait to record it.
        self.lease = timedelta(seconds=max(60.0, 3 * self.timeout_s))
        self.poll_s = poll_s
        self.flush_s = flush_s
        self.drain_s = drain_s
        self.sweep_s = sweep_s
        self.batch = min(500, self.concurrency)
        self.stats = SenderStats()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._results: list[Result] = []
        self._room = asyncio.Event()
        # One deadline bounds the whole attempt (`_deliver`), so a receiver that trickles its
        # answer byte by byte cannot hold a slot; no per-read timers on top of it.
        self._timeouts = dict.fromkeys(("connect", "read", "write", "pool"))
        self._transport: GuardedTransport | None = None
        self._urls: dict[str, httpx.URL] = {}

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set; then finish (bounded) what is in flight and record it."""
        self._transport = GuardedTransport(
            self.policy,
            max_connections=self.concurrency,
            resolver=self.resolver,
            max_answer_bytes=MAX_ANSWER_BYTES,
        )
        done = asyncio.Event()
        writer = asyncio.create_task(self._write_results(done), name="webhook-results")
        sweeper = asyncio.create_task(self._sweep(stop), name="webhook-sweep")
        try:
            await self._claim_loop(stop)
        finally:
            if self._in_flight:
                _, late = await asyncio.wait(self._in_flight, timeout=self.drain_s)
                for task in late:  # their leases will make them due again
                    task.cancel()
            done.set()
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
            await writer
            await self._transport.aclose()

    async def _claim_loop(self, stop: asyncio.Event) -> None:
        low = max(1, self.batch // 4)
        while not stop.is_set():
            room = self.concurrency - len(self._in_flight)
            if room < low:
                self._room.clear()
                await _first(stop, self._room, wait_s=self.poll_s)
                continue
            limit = min(room, self.batch)
            try:
                due = await self.store.claim(limit, self.lease, utcnow())
            except Exception:
                log.exception("webhook claim failed; retrying")
                await _first(stop, wait_s=1.0)
                continue
            for d in due:
                task = asyncio.create_task(self._deliver(d))
                self._in_flight.add(task)
                task.add_done_callback(self._finished)
            if len(due) < limit:
                await _first(stop, wait_s=self.poll_s)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._room.set()

    async def _deliver(self, d: Due) -> None:
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        permanent = False
        wait_s: float | None = None
        if d.url is None:
            error, permanent = "the endpoint was deleted or disabled", True
        else:
            try:
                async with asyncio.timeout(self.timeout_s):
                    status, wait_s = await self._post(d)
            except TimeoutError:
                error = f"timed out after {self.timeout_s:g} s"
            except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
                error, permanent = f"invalid URL: {exc}", True
            except httpx.TimeoutException as exc:
                error = f"timed out ({type(exc).__name__})"
            except httpx.TransportError as exc:
                permanent = isinstance(exc.__cause__, BlockedConnect)
                error = f"{'refused' if permanent else type(exc).__name__}: {exc}"
            except Exception as exc:  # a bug here must not lose the delivery
                log.exception("webhook delivery %s failed unexpectedly", d.id)
                error = f"internal error: {type(exc).__name__}"
        now = utcnow()
        latency_ms = int((time.perf_counter() - started) * 1000)
        outcome, next_at, error = self._decide(d, status, error, permanent, wait_s, now)
        self._results.append(Result(d, outcome, now, latency_ms, status, error, next_at))
        if outcome == "delivered":
            self.stats.delivered += 1
        elif outcome == "dead":
            self.stats.dead += 1
        else:
            self.stats.retried += 1

    async def _post(self, d: Due) -> tuple[int, float | None]:
        assert self._transport is not None and d.url is not None
        live = d.secrets or await self.store.callback_secrets(d.account_id, utcnow())
        body = envelope(d)
        request = httpx.Request(
            "POST",
            self._url(d.url),
            content=body,
            headers={
                "content-type": "application/json",
                "user-agent": USER_AGENT,
                "smscast-event-id": str(d.event_id),
                "smscast-event-type": d.type,
                "smscast-delivery-attempt": str(d.attempts),
                HEADER: signature_header(live, int(time.time()), body),
            },
            extensions={"timeout": self._timeouts},
        )
        response = await self._transport.handle_async_request(request)  # answer read
        wait_s = None
        if response.status_code in (429, 503):
            wait_s = retry_after_s(response.headers.get("retry-after"), utcnow())
        return response.status_code, wait_s

    def _url(self, raw: str) -> httpx.URL:
        """Parsed once per distinct URL (parsing is a tenth of a request's CPU)."""
        url = self._urls.get(raw)
        if url is None:
            if len(self._urls) > 4096:
                self._urls.clear()
            url = self._urls[raw] = httpx.URL(raw)
        return url

    def _decide(
        self,
        d: Due,
        status: int | None,
        error: str | None,
        permanent: bool,
        wait_s: float | None,
        now: datetime,
    ) -> tuple[Outcome, datetime | None, str | None]:
        if status is not None:
            if 200 <= status < 300:
                return "delivered", None, None
            error = f"HTTP {status}"
            permanent = not (status in (408, 429) or status >= 500)
        if permanent:
            return "dead", None, error
        deadline = d.retry_since + self.horizon
        if wait_s is not None:
            delay = wait_s * (1 + random.random() * 0.1)  # never sooner than asked
            if now + timedelta(seconds=delay) > deadline:
                return "dead", None, f"{error}; Retry-After goes past the retry horizon"
        else:
            step = min(self.backoff_max, self.backoff_base * 2 ** min(d.attempts - 1, 30))
            delay = step / 2 + random.random() * step / 2
        if now >= deadline:
            return "dead", None, f"{error}; gave up after {d.attempts} attempts"
        return "retry", min(now + timedelta(seconds=delay), deadline), error

    async def _write_results(self, done: asyncio.Event) -> None:
        """Record results every `flush_s`; a failed write keeps them for the next try."""
        failures = 0
        while not (done.is_set() and (not self._results or failures >= 5)):
            await _first(done, wait_s=self.flush_s if not failures else min(5.0, failures))
            if not self._results:
                continue
            batch, self._results = self._results, []
            try:
                await self.store.record(batch)
                failures = 0
            except Exception:
                failures += 1
                log.exception("recording %d webhook results failed; will retry", len(batch))
                self._results = batch + self._results
        if self._results:  # the database is gone: leases make these due again
            lost = len(self._results)
            log.error("%d webhook results not recorded; they will be sent again", lost)

    async def _sweep(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                recovered = await self.store.recover_leases(utcnow())
                if recovered:
                    log.warning("%d webhook deliveries back from expired leases", recovered)
            except Exception:
                log.exception("webhook lease sweep failed")
            await _first(stop, wait_s=self.sweep_s)


async def _first(*events: asyncio.Event, wait_s: float) -> None:
    """Wait until one of `events` is set, or `wait_s` seconds."""
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, timeout=wait_s, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()
