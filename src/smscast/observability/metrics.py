"""Prometheus metrics of one process.

Two kinds of figures, chosen by what each costs:

- Counters and histograms on transitions, kept in memory by the process that made them:
  HTTP requests (API), dispatch outcomes, submit latency, receipts and receipt latency
  (worker). They are per process; Prometheus sums them across processes.
- Gauges read from the database when /metrics is scraped (cached a few seconds): the queue
  (due, scheduled, sending, the age of the oldest due message), live workers, webhook
  backlog, batch progress. Each query rides an index (the claim and lease indexes are
  partial on exactly these statuses), so a million delivered rows cost nothing. They are
  database-wide: every API process reports the same value, so aggregate them with max().

Final statuses (delivered, failed...) are not gauges: counting them means scanning the whole
table. Rates of those come from the counters instead.

Multi-process: `smscast serve --workers N` shares one port among N processes, so it runs
prometheus-client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR, set by `serve`) and one
scrape sums them all. Every other process is scraped on its own: each `serve --workers 1` on
its API port, each `smscast worker` on SMSCAST_METRICS_PORT.

This module never imports the web framework: the dispatch worker uses it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, inspect, select, text

from smscast.db import utcnow

if TYPE_CHECKING:
    from smscast.connectors.base import Connector, Receipt
    from smscast.db import Database
    from smscast.dispatch.store import Outcome

__all__ = [
    "CONTENT_TYPE_LATEST",
    "DATABASE",
    "HTTP_REQUESTS",
    "HTTP_SECONDS",
    "DispatchMetrics",
    "connector_states",
    "multiprocess_dir",
    "render",
    "running_dispatch",
]

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

_FAST = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Carriers answer receipts in seconds to hours.
_SLOW = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 6 * 3600, 24 * 3600)

HTTP_REQUESTS = Counter(
    "smscast_http_requests_total",
    "HTTP requests answered, by route template and status.",
    ["method", "route", "status"],
)
HTTP_SECONDS = Histogram(
    "smscast_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and status.",
    ["method", "route", "status"],
    buckets=_FAST,
)
DISPATCH_OUTCOMES = Counter(
    "smscast_dispatch_outcomes_total",
    "Outcomes the dispatch worker wrote, by connector: sent, retry, failed, expired, "
    "reschedule, release. The dispatch rate is rate(...{outcome='sent'}).",
    ["connector", "outcome"],
)
SUBMIT_SECONDS = Histogram(
    "smscast_submit_duration_seconds",
    "Time for a connector to take a message (every part's submit_sm_resp), failures included.",
    ["connector"],
    buckets=_FAST,
)
RECEIPTS = Counter(
    "smscast_receipts_total",
    "Delivery receipts received, by connector and part state.",
    ["connector", "state"],
)
RECEIPT_SECONDS = Histogram(
    "smscast_receipt_latency_seconds",
    "From a part's submit_sm_resp to its final receipt, for receipts that reach the worker "
    "that sent the part (the last 50,000 parts it sent).",
    ["connector"],
    buckets=_SLOW,
)

_FINAL_PART_STATES = frozenset({"delivered", "undelivered", "expired", "rejected", "unknown"})


# -- the dispatch worker's instruments -----------------------------------------------------

_RUNNING: weakref.WeakSet[DispatchMetrics] = weakref.WeakSet()


class DispatchMetrics:
    """One worker's instruments. Cheap on the hot path: label children are cached per
    connector, and the receipt clock is a bounded map from carrier id to send time."""

    def __init__(self, connectors: Mapping[str, Connector], *, track: int = 50_000):
        self.connectors = connectors
        self.track = track
        self._sent_at: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._early: OrderedDict[tuple[str, str], bool] = OrderedDict()
        self._submit: dict[str, Any] = {}
        self._latency: dict[str, Any] = {}
        self._receipts: dict[tuple[str, str], Any] = {}

    def attach(self) -> None:
        """List this worker's connectors in /metrics and /readyz (while it runs)."""
        _RUNNING.add(self)

    def detach(self) -> None:
        _RUNNING.discard(self)

    def submitted(self, connector: str, seconds: float) -> None:
        child = self._submit.get(connector)
        if child is None:
            child = self._submit[connector] = SUBMIT_SECONDS.labels(connector)
        child.observe(seconds)

    def sent(self, connector: str, carrier_ids: Sequence[str]) -> None:
        now = time.monotonic()
        sent_at = self._sent_at
        for cid in carrier_ids:
            key = (connector, cid)
            if self._early and self._early.pop(key, None) is not None:
                self._latency_of(connector).observe(0.0)  # the receipt beat our resp
            else:
                sent_at[key] = now
        while len(sent_at) > self.track:
            sent_at.popitem(last=False)

    def receipt(self, connector: str, receipt: Receipt) -> None:
        counter = self._receipts.get((connector, receipt.state))
        if counter is None:
            counter = self._receipts[(connector, receipt.state)] = RECEIPTS.labels(
                connector, receipt.state
            )
        counter.inc()
        if receipt.state not in _FINAL_PART_STATES:
            return
        key = (connector, receipt.carrier_id)
        at = self._sent_at.pop(key, None)
        if at is None:
            # Before its submit's resp was handled (a busy loop, or a carrier that sends
            # receipts first), or another worker's part: `sent` looks here.
            self._early[key] = True
            if len(self._early) > 1000:
                self._early.popitem(last=False)
            return
        self._latency_of(connector).observe(time.monotonic() - at)

    def _latency_of(self, connector: str) -> Any:
        child = self._latency.get(connector)
        if child is None:
            child = self._latency[connector] = RECEIPT_SECONDS.labels(connector)
        return child

    def recorded(self, outcomes: Iterable[Outcome]) -> None:
        counts: dict[tuple[str, str], int] = {}
        for o in outcomes:
            key = (o.connector or "none", o.kind)
            counts[key] = counts.get(key, 0) + 1
        for (connector, kind), n in counts.items():
            DISPATCH_OUTCOMES.labels(connector, kind).inc(n)


def running_dispatch() -> list[DispatchMetrics]:
    """The dispatch workers running in this process."""
    return list(_RUNNING)


def connector_states() -> dict[str, int | None]:
    """Usable binds of each connector of this process's workers (None: cannot tell)."""
    states: dict[str, int | None] = {}
    for worker in running_dispatch():
        for name, connector in worker.connectors.items():
            bound = getattr(connector, "bound", None)
            states[name] = bound if isinstance(bound, int) else None
    return states


class _ConnectorCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        states = connector_states()
        binds = GaugeMetricFamily(
            "smscast_connector_binds", "Usable binds of each connector.", labels=["connector"]
        )
        up = GaugeMetricFamily(
            "smscast_connector_up",
            "1 when a connector has at least one usable bind.",
            labels=["connector"],
        )
        for name, bound in sorted(states.items()):
            if bound is None:
                continue
            binds.add_metric([name], bound)
            up.add_metric([name], 1 if bound > 0 else 0)
        yield binds
        yield up


# -- database gauges ------------------------------------------------------------------------


class DatabaseGauges(Collector):
    """Figures read from the database, refreshed before a scrape at most every `ttl` seconds."""

    def __init__(self, ttl: float = 5.0, timeout: float = 5.0):
        self.ttl = ttl
        self.timeout = timeout
        self._families: list[GaugeMetricFamily] = []
        self._read_at: dict[str, float] = {}  # by database URL (tests use several)
        self._tables: dict[str, set[str]] = {}

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self._families

    async def refresh(self, db: Database, *, force: bool = False) -> None:
        # Two scrapes at once may both read: harmless, and cheaper than a lock per loop.
        if not force and time.monotonic() - self._read_at.get(db.url, 0.0) < self.ttl:
            return
        try:
            self._families = await asyncio.wait_for(self._read(db), self.timeout)
        except Exception as exc:  # a scrape must still answer: keep the last figures
            log.warning("reading metrics from the database failed: %s", exc)
        self._read_at[db.url] = time.monotonic()

    async def _read(self, db: Database) -> list[GaugeMetricFamily]:
        from smscast.dispatch.models import WORKERS
        from smscast.messages.models import MESSAGES as m

        now = utcnow()
        waiting = m.c.status.in_(("queued", "scheduled"))  # the claim index's predicate
        async with db.engine.connect() as conn:
            tables = self._tables.get(db.url)
            if tables is None:
                tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
                self._tables[db.url] = tables
            due = (
                await conn.execute(
                    select(func.count(), func.min(m.c.due_at)).where(waiting, m.c.due_at <= now)
                )
            ).one()
            later = await conn.scalar(
                select(func.count()).select_from(m).where(waiting, m.c.due_at > now)
            )
            sending = await conn.scalar(
                select(func.count()).select_from(m).where(m.c.status == "sending")
            )
            workers = await conn.scalar(
                select(func.count())
                .select_from(WORKERS)
                .where(WORKERS.c.heartbeat_at >= now - timedelta(seconds=15))
            )
            extra = await _optional_families(conn, tables)
        oldest = due[1]
        age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
        return [
            _gauge("smscast_queue_due_messages", "Messages due now and not yet claimed.", due[0]),
            _gauge(
                "smscast_queue_oldest_due_age_seconds",
                "How long the oldest due message has waited past its due time.",
                age,
            ),
            _gauge(
                "smscast_queue_scheduled_messages",
                "Messages waiting for a later due time (send windows, schedules, retries).",
                later or 0,
            ),
            _gauge("smscast_queue_sending_messages", "Messages claimed by a worker.", sending or 0),
            _gauge("smscast_dispatch_workers", "Workers with a recent heartbeat.", workers or 0),
            *extra,
        ]


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, value=float(value))


async def _optional_families(conn: Any, tables: set[str]) -> list[GaugeMetricFamily]:
    """Gauges of domains whose tables may not exist in this database (webhooks, batches)."""
    out: list[GaugeMetricFamily] = []
    for needs, read in (
        ({"webhook_deliveries"}, _webhook_families),
        ({"batches", "batch_parts"}, _batch_families),
    ):
        if needs <= tables:
            try:  # another domain's schema: if it moved, lose these gauges, not the others
                out += await read(conn)
            except Exception as exc:
                log.warning("metrics of %s unavailable: %s", ", ".join(sorted(needs)), exc)
    return out


async def _webhook_families(conn: Any) -> list[GaugeMetricFamily]:
    from smscast.webhooks.models import DELIVERIES as d

    now = utcnow()
    pending = d.c.state == "pending"  # the partial index of the sender's claim
    row = (
        await conn.execute(
            select(
                func.count(),
                func.count().filter(d.c.next_attempt_at <= now),
                func.count().filter(d.c.attempts > 0),
                func.min(d.c.next_attempt_at),
            ).where(pending)
        )
    ).one()
    sending = await conn.scalar(select(func.count()).select_from(d).where(d.c.state == "sending"))
    # Given-up deliveries among the newest ones, on the primary key: bounded, however old
    # the table.
    newest = await conn.scalar(select(func.max(d.c.id)))
    dead = await conn.scalar(
        select(func.count())
        .select_from(d)
        .where(d.c.id > (newest or 0) - _RECENT, d.c.state == "dead")
    )
    oldest = row[3]
    age = max(0.0, (now - oldest).total_seconds()) if oldest is not None and row[1] else 0.0
    return [
        _gauge("smscast_webhook_backlog", "Webhook deliveries waiting (due or retrying).", row[0]),
        _gauge("smscast_webhook_due", "Webhook deliveries due now and not yet sent.", row[1]),
        _gauge(
            "smscast_webhook_oldest_due_age_seconds",
            "How long the oldest waiting webhook delivery has been due.",
            age,
        ),
        _gauge(
            "smscast_webhook_retrying",
            "Waiting webhook deliveries that failed at least once (endpoints failing now).",
            row[2],
        ),
        _gauge("smscast_webhook_sending", "Webhook deliveries leased to a sender.", sending or 0),
        _gauge(
            "smscast_webhook_dead_recent",
            f"Webhook deliveries given up, among the newest {_RECENT:,}.",
            dead or 0,
        ),
    ]


_RECENT = 100_000


# Batches the processor works on; the partial index ix_batches_pending covers exactly these.
_BATCH_PROGRESS = text(
    """
SELECT b.id, b.status, count(p.seq) AS parts,
       COALESCE(sum(CASE WHEN p.done THEN 1 ELSE 0 END), 0) AS done,
       COALESCE(sum(CASE WHEN p.done THEN p.valid ELSE 0 END), 0) AS written
FROM batches AS b LEFT JOIN batch_parts AS p ON p.batch_id = b.id
WHERE b.status IN ('SCHEDULED', 'PROCESSING', 'VALIDATING')
GROUP BY b.id, b.status
"""
)


async def _batch_families(conn: Any) -> list[GaugeMetricFamily]:
    rows = (await conn.execute(_BATCH_PROGRESS)).all()
    active = GaugeMetricFamily(
        "smscast_batches_active", "Batches being validated or processed.", labels=["status"]
    )
    progress = GaugeMetricFamily(
        "smscast_batch_progress_ratio",
        "Share of an active batch's parts processed (0 to 1).",
        labels=["batch"],
    )
    written = GaugeMetricFamily(
        "smscast_batch_messages_written",
        "Messages an active batch has written so far.",
        labels=["batch"],
    )
    by_status: dict[str, int] = {"SCHEDULED": 0, "PROCESSING": 0, "VALIDATING": 0}
    for r in rows:
        by_status[r.status] = by_status.get(r.status, 0) + 1
        batch = str(uuid.UUID(str(r.id)))  # SQLite hands back 32 hex digits, no dashes
        progress.add_metric([batch], r.done / r.parts if r.parts else 0.0)
        written.add_metric([batch], float(r.written))
    for status, n in sorted(by_status.items()):
        active.add_metric([status.lower()], n)
    return [active, progress, written]


DATABASE = DatabaseGauges()
_CONNECTORS = _ConnectorCollector()
REGISTRY.register(DATABASE)
REGISTRY.register(_CONNECTORS)


# -- exposition ----------------------------------------------------------------------------


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


async def render(db: Database | None = None) -> bytes:
    """The text exposition of this process (of every API process, in multiprocess mode)."""
    if db is not None:
        await DATABASE.refresh(db)
    if multiprocess_dir() is None:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(DATABASE)
    registry.register(_CONNECTORS)
    return generate_latest(registry)
