"""The SMPP connector: several binds to one carrier account, kept up, used round-robin.

Each bind is a slot with its own supervisor task: connect and bind, serve (read deliver_sm,
poll liveness), and on loss reconnect with exponential backoff and jitter. `submit()` takes
the next healthy slot and sends every part of a message through it, in order.

Receipts. We ask for one on every part (`receipts_on_all_parts`, the default): carriers bill
and report per part, and the dispatcher maps each part's carrier id to the message, so a
message is delivered when its parts are. Set it False for carriers that only report the last
part; then only the last carrier id gets a receipt.

smpp34 quirks this module works around (1.5.0):
- every bind failure (wrong password, refused, closed) is "bind timed out" after
  connect_timeout, so a bind error cannot be told permanent; start() reports it as transient;
- a submit on a dead session raises SmppError("ESME_RSYSERR") instead of returning a status,
  and without a deadline of ours a missing submit_sm_resp takes 30 s to surface;
- Smsc.next() may never yield Disconnected when the session dies with its inbound buffer full,
  so liveness is also polled with Client.is_alive();
- a deliver_sm is acked by the core before Python sees it (see receipts.py for the window).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import smpp34

from smscast.connectors.base import ConnectorError, Inbound, OutboundMessage, Receipt, SubmitResult
from smscast.connectors.smpp import errors
from smscast.connectors.smpp.addressing import Address, address
from smscast.connectors.smpp.config import SmppConfig
from smscast.connectors.smpp.inbound import Reassembler, tlv_dict
from smscast.connectors.smpp.lifecycle import settle  # noqa: F401  (registers the exit hook)
from smscast.connectors.smpp.receipts import (
    TLV_MESSAGE_STATE,
    TLV_RECEIPTED_MESSAGE_ID,
    normalise_id,
    parse_receipt,
)
from smscast.encoding import Part, parts

__all__ = ["SmppConnector"]

log = logging.getLogger(__name__)

TLV_MESSAGE_PAYLOAD = 0x0424
ESM_TYPE_MASK = 0x3C  # esm_class bits 2-5: the message type of a deliver_sm
ESM_RECEIPT_TYPES = (0x04, 0x20)  # SMSC delivery receipt, intermediate notification

Event = Receipt | Inbound


@dataclass(eq=False)
class _Slot:
    """One bind: its clients, its sessions, and whether submits may use it."""

    index: int
    clients: list[smpp34.Client] = field(default_factory=list)
    tx: smpp34.Smsc | None = None  # sends submit_sm
    rx: smpp34.Smsc | None = None  # yields deliver_sm (the same session for TRX)
    dead: asyncio.Event = field(default_factory=asyncio.Event)
    attempted: bool = False
    last_error: str = ""


class SmppConnector:
    """A `Connector` speaking SMPP 3.4 through smpp34.

    `SubmitResult.carrier_ids` and `Receipt.carrier_id` are both `normalise_id` forms, so the
    dispatcher can match them exactly and fall back to `candidate_ids` for hex/decimal mixes.
    """

    def __init__(self, name: str, config: SmppConfig) -> None:
        self.name = name
        self.config = config
        self._slots = [_Slot(i) for i in range(config.binds)]
        self._ready: list[_Slot] = []
        self._rr = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._events: asyncio.Queue[Event | None] = asyncio.Queue(config.events_buffer)
        self._reassembler = Reassembler(config.reassembly_timeout_s)
        self._changed = asyncio.Event()
        self._any_ready = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._inflight = 0
        self._next_send = 0.0
        self._running = False
        self.reconnects = 0  # binds re-established after a loss
        self.dropped_events = 0  # deliver_sm we could not read (acked, so lost)

    @property
    def bound(self) -> int:
        """How many binds can take a submit now."""
        return len(self._ready)

    async def start(self) -> None:
        """Start every bind; return once one is usable, raise if all fail their first try."""
        if self._running:
            return
        self._running = True
        for slot in self._slots:  # start() may follow a failed start() or a stop()
            slot.attempted, slot.last_error = False, ""
        self._drop_stop_marks()
        self._tasks = [asyncio.create_task(self._supervise(s)) for s in self._slots]
        self._tasks.append(asyncio.create_task(self._housekeeping()))
        while not self._ready and not all(s.attempted for s in self._slots):
            self._changed.clear()
            await self._changed.wait()
        if not self._ready:
            reason = "; ".join(sorted({s.last_error for s in self._slots}))
            await self.stop()
            raise ConnectorError(
                "bind_failed",
                f"{self.config.host}:{self.config.port} as {self.config.system_id!r}: {reason}",
                permanent=False,  # smpp34 reports a rejected password as a timeout
            )

    async def stop(self) -> None:
        """Wait (bounded) for in-flight submits, then unbind everything and end events()."""
        if not self._running:
            return
        self._running = False
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), self.config.stop_timeout_s)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        with contextlib.suppress(asyncio.QueueFull):
            self._events.put_nowait(None)

    def _drop_stop_marks(self) -> None:
        # stop() leaves a None in the queue to end events(); a restarted connector must not.
        kept = []
        while not self._events.empty():
            item = self._events.get_nowait()
            if item is not None:
                kept.append(item)
        for item in kept:
            self._events.put_nowait(item)

    async def events(self) -> AsyncIterator[Event]:
        """Yield receipts and inbound messages from every bind until stop()."""
        while True:
            item = await self._events.get()
            if item is None:
                self._events.put_nowait(None)  # let any other reader end too
                return
            yield item

    async def submit(self, message: OutboundMessage) -> SubmitResult:
        """Send every part through one bind; raise ConnectorError on the first failure.

        If part 2 of 3 fails, part 1 has already gone: a retry resends it, and the handset
        may show it twice. Carriers give no way to take a part back.
        """
        slot = await self._pick()
        src, dst = address(message.source), address(message.destination)
        validity = _validity(message.expires_at)
        try:
            pieces = parts(message.body, message.reference, udh16=self.config.udh16)
        except ValueError as exc:
            raise ConnectorError("invalid_message_length", str(exc), permanent=True) from exc
        self._inflight += 1
        self._idle.clear()
        try:
            if self.config.use_message_payload and len(pieces) > 1:
                payload = b"".join(p.payload for p in pieces)
                one = _Payload(pieces[0].data_coding, payload)
                ids = [await self._submit_part(slot, src, dst, one, validity, last=True)]
            else:
                last = len(pieces) - 1
                ids = [
                    await self._submit_part(slot, src, dst, p, validity, last=i == last)
                    for i, p in enumerate(pieces)
                ]
        finally:
            self._inflight -= 1
            if not self._inflight:
                self._idle.set()
        return SubmitResult(ids)

    async def _pick(self) -> _Slot:
        # A bind may be between reconnects: wait a little rather than fail a burst of submits.
        if not self._ready and self._running:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._any_ready.wait(), min(2.0, self.config.submit_timeout_s)
                )
        if not self._ready:
            raise errors.not_bound(self.name)
        slot = self._ready[self._rr % len(self._ready)]
        self._rr += 1
        return slot

    async def _submit_part(
        self,
        slot: _Slot,
        src: Address,
        dst: Address,
        part: Part | _Payload,
        validity: str,
        *,
        last: bool,
    ) -> str:
        cfg = self.config
        if slot.tx is None:
            raise errors.not_bound(self.name)
        if cfg.tps:
            await self._pace(cfg.tps)
        rd = cfg.registered_delivery if (last or cfg.receipts_on_all_parts) else 0
        if isinstance(part, _Payload):
            body, tlvs = b"", [smpp34.Tlv(TLV_MESSAGE_PAYLOAD, part.payload)]
        else:
            body, tlvs = part.short_message, []
        try:
            async with asyncio.timeout(cfg.submit_timeout_s):
                resp = await slot.tx.submit_sm(
                    dst.addr,
                    body,
                    source_addr=src.addr,
                    source_addr_ton=src.ton,
                    source_addr_npi=src.npi,
                    dest_addr_ton=dst.ton,
                    dest_addr_npi=dst.npi,
                    service_type=cfg.service_type,
                    esm_class=0 if isinstance(part, _Payload) else part.esm_class,
                    data_coding=part.data_coding,
                    registered_delivery=rd,
                    validity_period=validity,
                    tlvs=tlvs,
                )
        except TimeoutError:
            raise errors.timeout(cfg.submit_timeout_s) from None
        except smpp34.SmppError as exc:
            self._suspect(slot)
            raise errors.bind_lost(f"bind {slot.index}: {exc}") from exc
        if resp.command_status:
            raise errors.error_for_status(resp.command_status)
        return normalise_id(resp.message_id or "")

    async def _pace(self, tps: float) -> None:
        # One shared schedule: each submit takes the next free 1/tps slot on the loop clock.
        now = asyncio.get_running_loop().time()
        at = max(now, self._next_send)
        self._next_send = at + 1.0 / tps
        if at > now:
            await asyncio.sleep(at - now)

    def _suspect(self, slot: _Slot) -> None:
        # smpp34 raised instead of answering: the session is most likely gone. Stop using it
        # now; the supervisor's liveness check decides whether to reconnect.
        self._mark_down(slot)
        slot.dead.set()

    # -- binds ---------------------------------------------------------------------------

    async def _supervise(self, slot: _Slot) -> None:
        cfg = self.config
        delay = cfg.reconnect_min_s
        while self._running:
            try:
                await self._bind(slot)
            except asyncio.CancelledError:
                await self._close(slot)
                raise
            except Exception as exc:  # SmppError, OSError, or a refusal we did not foresee
                slot.last_error = str(exc) or type(exc).__name__
                await self._close(slot)
                self._note_attempt(slot)
                log.warning("%s: bind %d failed: %s", self.name, slot.index, exc)
                await asyncio.sleep(_jitter(delay))
                delay = min(delay * 2, cfg.reconnect_max_s)
                continue
            delay = cfg.reconnect_min_s
            self._mark_ready(slot)
            self._note_attempt(slot)
            log.info("%s: bind %d up", self.name, slot.index)
            try:
                await self._serve(slot)
            finally:
                self._mark_down(slot)
                await self._close(slot)
            if self._running:
                self.reconnects += 1
                log.warning("%s: bind %d lost, reconnecting", self.name, slot.index)
                await asyncio.sleep(_jitter(delay))

    def _mark_ready(self, slot: _Slot) -> None:
        if slot not in self._ready:
            self._ready.append(slot)
        self._any_ready.set()

    def _mark_down(self, slot: _Slot) -> None:
        if slot in self._ready:
            self._ready.remove(slot)
        if not self._ready:
            self._any_ready.clear()

    def _note_attempt(self, slot: _Slot) -> None:
        slot.attempted = True
        self._changed.set()

    async def _bind(self, slot: _Slot) -> None:
        slot.dead = asyncio.Event()
        kinds = ["TRX"] if self.config.bind_type == "TRX" else ["TX", "RX"]
        sessions = []
        for kind in kinds:
            client = self._client(kind)
            slot.clients.append(client)  # before connect, so a cancel still stops it
            sessions.append(await client.connect())
        slot.tx, slot.rx = sessions[0], sessions[-1]

    def _client(self, bind_type: str) -> smpp34.Client:
        cfg = self.config
        return smpp34.Client(
            cfg.host,
            cfg.port,
            cfg.system_id,
            cfg.password,
            bind_type=bind_type,
            system_type=cfg.system_type,
            tls=cfg.tls,
            address_range=cfg.address_range,
            window_size=cfg.window,
            inbound_capacity=cfg.inbound_capacity,
            connect_timeout_ms=int(cfg.connect_timeout_s * 1000),
        )

    async def _serve(self, slot: _Slot) -> None:
        """Return when the bind is gone: Disconnected, a failed liveness poll, or a suspect."""
        assert slot.rx is not None and slot.tx is not None
        readers = [asyncio.create_task(self._read(slot.rx))]
        if slot.tx is not slot.rx:
            readers.append(asyncio.create_task(self._read(slot.tx)))  # a TX yields Disconnected
        watch = asyncio.create_task(self._watch(slot))
        try:
            done, _ = await asyncio.wait([*readers, watch], return_when=asyncio.FIRST_COMPLETED)
            if watch in done:
                # Let the reader drain what the core already acked before we drop it.
                await asyncio.wait(readers, timeout=0.2)
        finally:
            for task in [*readers, watch]:
                task.cancel()
            await asyncio.gather(*readers, watch, return_exceptions=True)

    async def _watch(self, slot: _Slot) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(slot.dead.wait(), self.config.health_check_s)
            for client in slot.clients:
                if not await client.is_alive():
                    return
            slot.dead.clear()  # a false alarm: a late error on a live session
            self._mark_ready(slot)

    async def _read(self, smsc: smpp34.Smsc) -> None:
        while True:
            event = await smsc.next()
            if isinstance(event, smpp34.Disconnected):
                return
            try:
                items = self._classify(event)
            except Exception:  # one odd PDU must not cost the bind; it is already acked
                self.dropped_events += 1
                log.exception("%s: unreadable deliver_sm dropped", self.name)
                continue
            for item in items:
                if self._events.full():
                    # Backpressure: smpp34 buffers inbound_capacity more, then NAKs and drops
                    # the bind; the carrier redelivers what it could not hand over.
                    await self._events.put(item)
                else:
                    self._events.put_nowait(item)

    def _classify(self, event: smpp34.DeliverSmEvent) -> Sequence[Event]:
        tlvs = tlv_dict(event.tlvs)
        kind = event.esm_class & ESM_TYPE_MASK
        is_receipt = kind in ESM_RECEIPT_TYPES or (
            kind == 0 and TLV_RECEIPTED_MESSAGE_ID in tlvs and TLV_MESSAGE_STATE in tlvs
        )
        if is_receipt or kind:
            receipt = parse_receipt(event.short_message, tlvs) if is_receipt else None
            if receipt is None:
                self.dropped_events += 1
                return []
            return [receipt]
        loop = asyncio.get_running_loop()
        return self._reassembler.feed(
            _e164(event.source_addr, event.source_addr_ton),
            _e164(event.destination_addr, event.dest_addr_ton),
            event.esm_class,
            event.data_coding,
            event.short_message,
            tlvs,
            loop.time(),
        )

    async def _housekeeping(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(min(5.0, self.config.reassembly_timeout_s / 4))
            for item in self._reassembler.expire(loop.time()):
                await self._events.put(item)

    async def _close(self, slot: _Slot) -> None:
        # Unbind politely, but never wait long: the peer may be gone.
        sessions = [slot.tx] if slot.tx is slot.rx else [slot.tx, slot.rx]
        slot.tx = slot.rx = None
        for smsc in sessions:
            if smsc is None:
                continue
            with contextlib.suppress(Exception):
                await asyncio.wait_for(smsc.unbind(), 1.0)
        for client in slot.clients:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.stop(), 1.0)
        slot.clients = []


@dataclass(frozen=True, slots=True)
class _Payload:
    """A whole message sent in one submit_sm through the message_payload TLV."""

    data_coding: int
    payload: bytes


def _validity(expires_at: datetime | None) -> str:
    """Return the SMPP absolute validity_period (UTC) for an expiry, "" for none."""
    if expires_at is None:
        return ""
    when = expires_at.astimezone(UTC)
    if when <= datetime.now(UTC):
        raise ConnectorError("expired", f"expired at {when.isoformat()}", permanent=True)
    return when.strftime("%y%m%d%H%M%S") + "000+"  # tenths 0, offset 00 quarter-hours, '+'


def _jitter(delay: float) -> float:
    return delay * (0.5 + random.random() / 2)  # "equal jitter": never zero, never in step


def _e164(addr: str, ton: int) -> str:
    # An international number arrives without its '+'; the rest of smscast speaks E.164.
    if ton == 1 and addr.isascii() and addr.isdigit():
        return "+" + addr
    return addr
