"""The dispatch worker: claim due messages, hand them to connectors, record what happened.

It depends on two narrow things only: a `DispatchStore` and `Connector`s. Outcomes and
receipts are buffered for a few milliseconds and written in batches; a batch that fails to
write (database away) stays in memory and is retried, so a status is never dropped while the
process lives. If the process dies, leases bring its unfinished messages back.

On stop (SIGTERM): stop claiming, wait (bounded) for in-flight submits, put back what was
never answered, write everything down, unbind, leave.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from smscast.connectors.base import (
    Connector,
    ConnectorError,
    Inbound,
    OutboundMessage,
    Receipt,
)
from smscast.connectors.smpp.receipts import normalise_id
from smscast.db import utcnow
from smscast.dispatch.policy import (
    BASE_DELAY_S,
    MAX_ATTEMPTS,
    MAX_DELAY_S,
    NEVER_SENT,
    backoff,
    describe,
)
from smscast.dispatch.ratelimit import TokenBucket
from smscast.dispatch.routing import Router
from smscast.dispatch.store import Claimed, DispatchStore, Outcome
from smscast.messages.timing import recheck_window
from smscast.observability.metrics import DispatchMetrics

__all__ = ["Recheck", "Worker", "WorkerConfig"]

log = logging.getLogger(__name__)

# A claim-time check (send window, opt-out): None to send now, or the outcome to record.
Recheck = Callable[[Claimed, datetime], Outcome | None]


@dataclass
class WorkerConfig:
    batch: int = 500  # rows per claim
    max_in_flight: int = 2000  # submits awaiting an answer
    lease: timedelta = timedelta(seconds=120)
    idle_poll_s: float = 0.2  # sleep when nothing is due
    flush_s: float = 0.02  # how long outcomes and receipts wait to be written together
    drain_s: float = 10.0  # how long stop() waits for in-flight submits
    sweep_s: float = 5.0  # heartbeat, lease recovery and expiry sweeps
    receipt_timeout: timedelta = timedelta(hours=72)
    pending_retention: timedelta = timedelta(days=3)  # unmatched receipts kept this long
    limits: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    retry_base_s: float = BASE_DELAY_S  # first retry after about this long, doubling
    retry_max_s: float = MAX_DELAY_S
    max_attempts: int = MAX_ATTEMPTS
    unavailable_retry_s: float = 2.0  # a connector that is down: look again after this long


class _Buffer:
    """Items written in batches by one task; a failed write keeps them for the next try."""

    def __init__(self, name: str, write: Callable[[list], object], flush_s: float, size: int):
        self.name = name
        self.write = write
        self.flush_s = flush_s
        self.size = size
        self.items: list = []
        self.kick = asyncio.Event()
        self.failures = 0

    def add(self, item: object) -> None:
        self.items.append(item)
        if len(self.items) >= self.size:
            self.kick.set()

    async def run(self, stop: asyncio.Event) -> None:
        # After stop, keep flushing until empty; give up after repeated failures (the
        # database is gone): leases will bring those messages back, as after a crash.
        while not (stop.is_set() and (not self.items or self.failures >= 5)):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.kick.wait(), self.flush_s)
            self.kick.clear()
            await self.flush()
            if self.failures:
                await asyncio.sleep(min(5.0, 0.1 * 2**self.failures))

    async def flush(self) -> None:
        while self.items:
            batch, self.items = self.items[: self.size * 2], self.items[self.size * 2 :]
            try:
                await self.write(batch)  # type: ignore[misc]
            except Exception as exc:
                self.items[:0] = batch  # keep order; try again later
                self.failures += 1
                log.warning("writing %d %s failed (%s); will retry", len(batch), self.name, exc)
                return
            self.failures = 0


class Worker:
    def __init__(
        self,
        store: DispatchStore,
        connectors: Mapping[str, Connector],
        router: Router,
        config: WorkerConfig | None = None,
        *,
        recheck: Recheck | None = None,
        on_inbound: Callable[[str, Inbound], object] | None = None,
        worker_id: str | None = None,
    ):
        self.store = store
        self.connectors = dict(connectors)
        self.router = router
        self.config = config or WorkerConfig()
        self.recheck = recheck
        self.on_inbound = on_inbound
        self.id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._in_flight: dict[asyncio.Task[None], Claimed] = {}
        self._room = asyncio.Event()
        self._outcomes = _Buffer("outcomes", self._write_outcomes, self.config.flush_s, 1000)
        self._receipts: dict[str, _Buffer] = {}
        self._msg_buckets: dict[str, TokenBucket] = {}
        self._seg_buckets: dict[str, TokenBucket] = {}
        self._started: set[str] = set()
        self._ref = 0
        # One write at a time per worker: a receipt and its own submit outcome committed
        # concurrently could each miss the other (see SqlStore.reconcile_pending).
        self._write_lock = asyncio.Lock()
        self.sent = 0  # counters for tests and metrics
        self.receipts_applied = 0
        self.metrics = DispatchMetrics(self.connectors)

    # -- lifecycle ---------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Work until `stop` is set, then drain and return."""
        self.metrics.attach()  # shown by /metrics and /readyz while it runs
        for name in self.connectors:
            tps, sps = self.config.limits.get(name, (None, None))
            self._msg_buckets[name] = TokenBucket(tps)
            self._seg_buckets[name] = TokenBucket(sps)
            self._receipts[name] = _Buffer(
                f"receipts of {name}", self._receipt_writer(name), self.config.flush_s, 1000
            )
        flush_stop = asyncio.Event()
        helpers = [
            asyncio.create_task(self._outcomes.run(flush_stop), name="outcomes"),
            asyncio.create_task(self._housekeeping(stop), name="housekeeping"),
            *[asyncio.create_task(b.run(flush_stop), name=b.name) for b in self._receipts.values()],
            *[
                asyncio.create_task(self._keep_started(n, stop), name=f"start {n}")
                for n in self.connectors
            ],
        ]
        try:
            await self._claim_loop(stop)
        finally:
            await self._drain()
            flush_stop.set()
            await self._stop_connectors()
            await asyncio.gather(*helpers, return_exceptions=True)
            # The pumps read the connectors' last events after the buffers' loops had found
            # them empty and ended: receipts the carrier counts as delivered to us.
            for buffer in self._receipts.values():
                await buffer.flush()
            with contextlib.suppress(Exception):
                await self.store.leave(self.id)
            self.metrics.detach()

    async def _keep_started(self, name: str, stop: asyncio.Event) -> None:
        delay = 1.0
        while not stop.is_set():
            try:
                await self.connectors[name].start()
            except Exception as exc:
                log.warning("connector %s did not start (%s); retrying in %.0fs", name, exc, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                delay = min(30.0, delay * 2)
                continue
            self._started.add(name)
            await self._pump(name, stop)
            return

    async def _pump(self, name: str, stop: asyncio.Event) -> None:
        """Receipts and inbound messages of one connector, for as long as it runs."""
        try:
            async for event in self.connectors[name].events():
                if isinstance(event, Receipt):
                    self.metrics.receipt(name, event)
                    self._receipts[name].add(event)
                elif self.on_inbound is not None:
                    result = self.on_inbound(name, event)
                    if asyncio.iscoroutine(result):
                        await result
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("event stream of connector %s failed", name)

    async def _stop_connectors(self) -> None:
        for name, connector in self.connectors.items():
            if name in self._started:
                try:
                    await asyncio.wait_for(connector.stop(), 10)
                except Exception as exc:
                    log.warning("connector %s did not stop cleanly: %s", name, exc)
        # Receipts that came in while unbinding.
        for buffer in self._receipts.values():
            await buffer.flush()

    async def _housekeeping(self, stop: asyncio.Event) -> None:
        host, pid = socket.gethostname(), os.getpid()
        while not stop.is_set():
            try:
                now = utcnow()
                live = await self.store.heartbeat(self.id, host, pid, now)
                self._split_rates(live)
                await self.store.recover_leases(now)
                await self.store.expire_overdue(now, self.config.receipt_timeout)
                async with self._write_lock:
                    await self.store.reconcile_pending(now, self.config.pending_retention)
            except Exception as exc:
                log.warning("housekeeping failed: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.config.sweep_s)

    def _split_rates(self, live_workers: int) -> None:
        """A connector's rate is shared by every live worker: each takes its share."""
        for name, (tps, sps) in self.config.limits.items():
            if name in self._msg_buckets:
                self._msg_buckets[name].set_rate(tps / live_workers if tps else None)
                self._seg_buckets[name].set_rate(sps / live_workers if sps else None)

    # -- claiming and sending -------------------------------------------------------------

    async def _claim_loop(self, stop: asyncio.Event) -> None:
        failures = 0
        while not stop.is_set():
            room = self.config.max_in_flight - len(self._in_flight)
            if room < min(self.config.batch, self.config.max_in_flight // 4):
                self._room.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._room.wait(), 1.0)
                continue
            try:
                claimed = await self.store.claim(
                    self.id, min(self.config.batch, room), self.config.lease, utcnow()
                )
                failures = 0
            except Exception as exc:
                failures += 1
                log.warning("claim failed (%s); backing off", exc)
                await _sleep_or_stop(stop, min(5.0, 0.2 * 2**failures))
                continue
            if not claimed:
                await _sleep_or_stop(stop, self.config.idle_poll_s)
                continue
            for message in claimed:
                task = asyncio.create_task(self._send(message))
                self._in_flight[task] = message
                task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._in_flight.pop(task, None)
        self._room.set()

    async def _send(self, m: Claimed) -> None:
        now = utcnow()
        if m.expires_at is not None and m.expires_at <= now:
            self._outcomes.add(
                Outcome(m.id, "expired", code="expired", reason="expired before sending")
            )
            return
        if m.window:
            # The window may have closed while the message waited in a backlog.
            verdict = recheck_window(m.window, m.to, now, m.expires_at)
            if verdict is None:
                self._outcomes.add(
                    Outcome(m.id, "expired", code="expired", reason="its send window closed")
                )
                return
            if isinstance(verdict, datetime):
                self._outcomes.add(
                    Outcome(m.id, "reschedule", due_at=verdict, reason="outside its send window")
                )
                return
        if self.recheck is not None:
            decided = self.recheck(m, now)
            if decided is not None:
                self._outcomes.add(decided)
                return
        name = self.router.pick(m.account_id, m.to, m.sender)
        if name is None or name not in self.connectors:
            self._outcomes.add(
                Outcome(m.id, "failed", code="no_route", reason=describe("no_route").description)
            )
            return
        if name not in self._started:
            self._outcomes.add(self._failure(m, name, "not_bound", "connector not started", False))
            return
        await self._msg_buckets[name].take(1)
        await self._seg_buckets[name].take(m.segments)
        self._ref = (self._ref + 1) % 65536
        message = OutboundMessage(
            id=str(m.id),
            source=m.sender or "",
            destination=m.to,
            body=m.body,
            reference=self._ref,
            expires_at=m.expires_at,
        )
        started = time.perf_counter()
        try:
            result = await self.connectors[name].submit(message)
        except ConnectorError as exc:
            self._outcomes.add(self._failure(m, name, exc.code, exc.reason, exc.permanent))
            return
        except Exception as exc:  # a connector bug must not lose the message
            log.exception("connector %s raised on submit", name, extra={"message_id": str(m.id)})
            self._outcomes.add(self._failure(m, name, "system_error", str(exc), False))
            return
        finally:
            self.metrics.submitted(name, time.perf_counter() - started)
        self.sent += 1
        carrier_ids = [normalise_id(c) for c in result.carrier_ids]
        self.metrics.sent(name, carrier_ids)
        self._outcomes.add(Outcome(m.id, "sent", connector=name, carrier_ids=carrier_ids))

    def _failure(
        self, m: Claimed, connector: str, code: str, reason: str, permanent: bool
    ) -> Outcome:
        cfg = self.config
        if code in NEVER_SENT:
            due = utcnow() + timedelta(seconds=cfg.unavailable_retry_s)
            if m.expires_at is None or due < m.expires_at:
                return Outcome(
                    m.id,
                    "retry",
                    connector=connector,
                    code=code,
                    reason=reason,
                    due_at=due,
                    attempts=m.attempts,
                )
        attempts = m.attempts + 1
        if permanent:
            return Outcome(
                m.id, "failed", connector=connector, code=code, reason=reason, attempts=attempts
            )
        due = utcnow() + backoff(attempts, base_s=cfg.retry_base_s, max_s=cfg.retry_max_s)
        if attempts >= cfg.max_attempts or (m.expires_at is not None and due >= m.expires_at):
            return Outcome(
                m.id,
                "failed",
                connector=connector,
                code="retries_exhausted",
                reason=f"{attempts} attempts; last: {code} ({reason})",
                attempts=attempts,
            )
        return Outcome(
            m.id,
            "retry",
            connector=connector,
            code=code,
            reason=reason,
            due_at=due,
            attempts=attempts,
        )

    async def _drain(self) -> None:
        """Wait for in-flight submits (bounded); put back the ones never answered."""
        if self._in_flight:
            _, pending = await asyncio.wait(list(self._in_flight), timeout=self.config.drain_s)
            for task in pending:
                message = self._in_flight.get(task)
                task.cancel()
                if message is not None:
                    self._outcomes.add(
                        Outcome(message.id, "release", reason="worker stopped before an answer")
                    )
            await asyncio.gather(*pending, return_exceptions=True)
        deadline = time.monotonic() + 30
        while self._outcomes.items and time.monotonic() < deadline:
            await self._outcomes.flush()
            if self._outcomes.items:
                await asyncio.sleep(0.5)

    # -- writing -------------------------------------------------------------------------

    async def _write_outcomes(self, batch: list[Outcome]) -> None:
        async with self._write_lock:
            await self.store.record(self.id, batch, utcnow())
        self.metrics.recorded(batch)

    def _receipt_writer(self, connector: str) -> Callable[[list[Receipt]], object]:
        async def write(batch: list[Receipt]) -> None:
            async with self._write_lock:
                applied = await self.store.apply_receipts(connector, batch, utcnow())
            self.receipts_applied += applied

        return write


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
