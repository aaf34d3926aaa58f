"""A simulated SMSC on smpp34's server: answers submit_sm, sends receipts and MO, misbehaves.

Built for speed, since the dispatch benchmark pushes 100,000 messages through it: message ids
are a counter, answers and receipts wait in one heap drained by one task each (no task per
message), receipts go out through a bounded window of deliver_sm futures, nothing is logged
per message.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import dataclasses
import heapq
import itertools
import logging
import random
import socket
import time
from collections import Counter, deque
from collections.abc import Awaitable
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

import smpp34

from smscast.connectors.simulator.config import SimulatorConfig
from smscast.connectors.simulator.gate import CredentialGate
from smscast.connectors.simulator.records import SimMessage, Submitted, duplicates, messages
from smscast.connectors.smpp.addressing import address
from smscast.connectors.smpp.lifecycle import settle  # noqa: F401  (registers the exit hook)
from smscast.encoding import parts

__all__ = ["Simulator"]

log = logging.getLogger(__name__)

ESM_RECEIPT = 0x04
ESM_UDHI = 0x40
TLV_RECEIPTED_MESSAGE_ID = 0x001E
TLV_NETWORK_ERROR_CODE = 0x0423
TLV_MESSAGE_STATE = 0x0427
TLV_MESSAGE_PAYLOAD = 0x0424
TLV_SAR_MSG_REF_NUM = 0x020C
TLV_SAR_TOTAL_SEGMENTS = 0x020E
TLV_SAR_SEGMENT_SEQNUM = 0x020F
NO_ANSWER = -1
ESME_RMSGQFUL = 0x14
ESME_RTHROTTLED = 0x58
TICK_S = 0.002  # timer granularity of the answer and receipt loops

# stat word, err field, message_state TLV (5.2.28)
OUTCOMES = (("DELIVRD", 0, 2), ("UNDELIV", 1, 5), ("EXPIRED", 2, 3), ("REJECTD", 3, 8))
NETWORK_GSM = 3  # network_error_code's network type octet


@dataclass(slots=True)
class _Receipt:
    record: Submitted
    stat: int  # index into OUTCOMES
    attempts: int = 0
    pending_answer: smpp34.SubmitSmEvent | None = None  # receipt_before_resp: accept after


class Simulator:
    """An SMSC for tests, benchmarks and the embedded default connector."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, config: SimulatorConfig | None = None
    ) -> None:
        self.host = host
        self.config = config or SimulatorConfig()
        self._requested_port = port
        self.port = 0  # the bound port, once started
        self.received: list[Submitted] = []
        self.by_id: dict[str, Submitted] = {}
        self.stats: Counter[str] = Counter()
        self.sessions: dict[str, smpp34.Esme] = {}
        self._submitters: set[str] = set()  # sessions that sent submit_sm (TX or TRX)
        self._server: smpp34.Server | None = None
        self._gate: CredentialGate | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._side: set[asyncio.Future[object]] = set()
        self._held: list[smpp34.SubmitSmEvent] = []  # no-answer faults: kept so none is NAKed
        self._answers: deque[tuple[float, smpp34.SubmitSmEvent, str]] = deque()
        self._answers_wake = asyncio.Event()
        self._session_added = asyncio.Event()
        self._receipts: list[tuple[float, int, _Receipt]] = []  # heap by due time
        self._receipts_wake = asyncio.Event()
        self._window_free = asyncio.Event()
        self._receipts_idle = asyncio.Event()
        self._receipts_idle.set()
        self._inflight = 0
        self._seq = itertools.count()
        self._rng = random.Random(self.config.seed)
        self._next_id = 0
        self._date_cache: tuple[int, bytes] = (-1, b"")
        self._derive()

    def reconfigure(self, **changes: Any) -> None:
        """Change behaviour while running (faults, outcomes, delays); credentials stay as bound."""
        self.config = dataclasses.replace(self.config, **changes)
        self._derive()

    def _derive(self) -> None:
        cfg = self.config
        self._fault_edges = list(
            itertools.accumulate(
                (cfg.throttle_rate, cfg.queue_full_rate, cfg.no_answer_rate, cfg.drop_rate)
            )
        )
        self._any_fault = self._fault_edges[-1] > 0
        self._outcome_edges = list(
            itertools.accumulate((cfg.delivered, cfg.undelivered, cfg.expired, cfg.rejected))
        )

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Listen and serve; `port` holds the bound port afterwards."""
        cfg = self.config
        self._next_id = cfg.first_id if cfg.first_id is not None else int(time.time()) << 20
        if cfg.credentials:
            inner = await self._listen("127.0.0.1", 0)
            self._gate = CredentialGate(cfg.credentials, ("127.0.0.1", inner))
            try:
                self.port = await self._gate.start(self.host, self._requested_port)
            except OSError:
                await self.stop()
                raise
        else:
            self.port = await self._listen(self.host, self._requested_port)
        self._tasks = [
            asyncio.create_task(self._serve()),
            asyncio.create_task(self._answer_loop()),
            asyncio.create_task(self._receipt_loop()),
        ]

    async def stop(self) -> None:
        """Unbind every session and stop listening, in bounded time."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        # smpp34's Server.stop() only closes the listener; bound sessions live on unless unbound.
        unbinds = [asyncio.wait_for(e.unbind(), 1.0) for e in self.sessions.values()]
        await asyncio.gather(*unbinds, return_exceptions=True)
        self.sessions.clear()
        for fut in list(self._side):
            fut.cancel()
        self._held.clear()
        self._answers.clear()
        self._receipts.clear()
        self._inflight = 0
        self._receipts_idle.set()
        if self._gate is not None:
            await self._gate.stop()
            self._gate = None
        if self._server is not None:
            with contextlib.suppress(smpp34.SmppError):
                await self._server.stop()
            self._server = None

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _listen(self, host: str, port: int) -> int:
        # smpp34's Server does not report its port, so for port 0 we pick a free one first and
        # retry if someone takes it in between.
        for _ in range(10):
            chosen = port or _free_port(host)
            server = smpp34.Server(host, chosen, system_id=self.config.system_id)
            try:
                await server.start()
            except smpp34.SmppError:
                if port:
                    raise
                continue
            self._server = server
            return chosen
        raise OSError(f"no free port on {host}")

    # -- what tests read -----------------------------------------------------------------

    def messages(self) -> list[SimMessage]:
        """Accepted messages, parts joined."""
        return messages(self.received)

    def duplicates(self) -> dict[tuple[str, str], int]:
        """(destination, text) accepted more than once, with their counts."""
        return duplicates(self.received)

    def by_destination(self, destination: str) -> list[Submitted]:
        """Every submit_sm to one destination (as on the wire: no '+')."""
        return [r for r in self.received if r.destination == destination]

    async def wait_for_receiver(self, system_id: str | None = None, within: float = 2.0) -> bool:
        """Wait until a session (of `system_id`, if given) can receive; False on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while self._pick_receiver(system_id)[0] is None:
            self._session_added.clear()
            left = deadline - loop.time()
            if left <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._session_added.wait(), left)
        return True

    @property
    def refused_binds(self) -> int:
        """Binds refused for wrong credentials (always 0 when any credentials are accepted)."""
        return self._gate.refused if self._gate is not None else 0

    @property
    def pending_receipts(self) -> int:
        """Receipts scheduled or in flight."""
        return len(self._receipts) + self._inflight

    async def drain(self, within: float = 5.0) -> bool:
        """Wait until every scheduled receipt has gone out; False if `within` seconds pass."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._receipts_idle.wait(), within)
        return not self.pending_receipts

    # -- submit_sm -----------------------------------------------------------------------

    async def _serve(self) -> None:
        assert self._server is not None
        server = self._server
        submit_type, esme_type = smpp34.SubmitSmEvent, smpp34.Esme
        while True:
            try:
                event = await server.next()
            except smpp34.SmppError:  # "server stopped"
                return
            if isinstance(event, submit_type):
                try:
                    self._on_submit(event)
                except Exception:  # keep serving; the unanswered event is NAKed when dropped
                    self.stats["errors"] += 1
                    log.exception("simulator: submit_sm not handled")
            elif isinstance(event, esme_type):
                self.sessions[event.session_id] = event
                self.stats["binds"] += 1
                self._session_added.set()
            else:
                self.sessions.pop(event.session_id, None)
                self._submitters.discard(event.session_id)
                self.stats["unbinds"] += 1

    def _on_submit(self, event: smpp34.SubmitSmEvent) -> None:
        # The hot path, once per submit_sm: kept in one piece on purpose (no helper calls,
        # locals for attributes), since it bounds what the dispatch benchmark can measure.
        cfg = self.config
        stats = self.stats
        stats["submit_sm"] += 1
        status = 0
        if self._any_fault:
            fault = bisect.bisect_right(self._fault_edges, self._rng.random())
            if fault < 4:
                status = self._fault(event, fault)
        body = event.short_message
        payload = _payload_tlv(event) if not body else None
        session_id = event.session_id
        self._submitters.add(session_id)
        esme = self.sessions.get(session_id)
        message_id: str | None = None
        if status == 0:
            n = self._next_id
            self._next_id = n + 1
            message_id = f"{n:08X}" if cfg.hex_ids else str(n)
        rd = event.registered_delivery & 0x03
        record = Submitted(
            esme.system_id if esme is not None else "",
            session_id,
            event.source_addr,
            event.destination_addr,
            event.data_coding,
            event.esm_class,
            rd,
            body,
            payload,
            message_id,
            status,
            0.0,
        )
        if cfg.record:  # each field read crosses into Rust: only what receipts need otherwise
            record.at = time.time()
            record.ton_npi = (
                event.source_addr_ton,
                event.source_addr_npi,
                event.dest_addr_ton,
                event.dest_addr_npi,
            )
            self.received.append(record)
        if message_id is None:
            return
        if cfg.record:
            self.by_id[message_id] = record
        stats["accepted"] += 1
        edges = self._outcome_edges
        stat = min(bisect.bisect_right(edges, self._rng.random() * edges[-1]), 3)
        wants = rd == 1 or rd == 3 or (rd == 2 and stat != 0)
        if wants:
            record.outcome = OUTCOMES[stat][0]
        now = asyncio.get_running_loop().time()
        if cfg.receipt_before_resp and wants:
            self._schedule(now, _Receipt(record, stat, pending_answer=event))
            return
        if cfg.latency_ms:
            self._answers.append((now + cfg.latency_ms / 1000, event, message_id))
            self._answers_wake.set()
            now += cfg.latency_ms / 1000
        else:
            event.accept(message_id)
        if wants:
            self._schedule(now + cfg.receipt_delay_ms / 1000, _Receipt(record, stat))

    def _fault(self, event: smpp34.SubmitSmEvent, fault: int) -> int:
        if fault == 0:
            self.stats["throttled"] += 1
            event.reject(ESME_RTHROTTLED)
            return ESME_RTHROTTLED
        if fault == 1:
            self.stats["queue_full"] += 1
            event.reject(ESME_RMSGQFUL)
            return ESME_RMSGQFUL
        self._held.append(event)  # never answered; holding it stops smpp34 from NAKing it
        if fault == 2:
            self.stats["no_answer"] += 1
        else:
            self.stats["dropped"] += 1
            esme = self.sessions.get(event.session_id)
            if esme is not None:
                self._side_effect(esme.unbind())
        return NO_ANSWER

    async def _answer_loop(self) -> None:
        loop = asyncio.get_running_loop()
        answers = self._answers
        while True:
            if not answers:
                self._answers_wake.clear()
                await self._answers_wake.wait()
                continue
            now = loop.time()
            while answers and answers[0][0] <= now:
                _, event, message_id = answers.popleft()
                event.accept(message_id)
            if answers:
                await asyncio.sleep(max(answers[0][0] - now, TICK_S / 2))

    # -- receipts ------------------------------------------------------------------------

    def _schedule(self, due: float, receipt: _Receipt) -> None:
        heapq.heappush(self._receipts, (due, next(self._seq), receipt))
        self._receipts_wake.set()
        self._receipts_idle.clear()

    async def _receipt_loop(self) -> None:
        loop = asyncio.get_running_loop()
        heap = self._receipts
        window = self.config.receipt_window
        while True:
            if not heap:
                self._receipts_wake.clear()
                await self._receipts_wake.wait()
                continue
            if self._inflight >= window:
                self._window_free.clear()
                await self._window_free.wait()
                continue
            now = loop.time()
            while heap and heap[0][0] <= now and self._inflight < window:
                self._fire(heapq.heappop(heap)[2], now)
            if heap and self._inflight < window:
                delay = heap[0][0] - now
                if delay > TICK_S:
                    # Far off (a retry, or a long delay): sleep, but wake for an earlier one.
                    self._receipts_wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._receipts_wake.wait(), delay)
                else:
                    await asyncio.sleep(TICK_S)  # one tick: fire the next batch together

    def _fire(self, receipt: _Receipt, now: float) -> None:
        esme, confirmed = self._receiver(receipt.record)
        if esme is None:
            self._accept_pending(receipt)
            self._retry(receipt, now)
            return
        record = receipt.record
        stat, err, state = OUTCOMES[receipt.stat]
        assert record.message_id is not None
        cfg = self.config
        text = self._receipt_text(record, stat, err) if cfg.receipt_text else b""
        tlvs = []
        if cfg.receipt_tlvs:
            rid = record.message_id
            if cfg.hex_ids:
                rid = rid.lower().lstrip("0") or "0"
            tlvs = [
                smpp34.Tlv(TLV_RECEIPTED_MESSAGE_ID, rid.encode() + b"\x00"),
                smpp34.Tlv(TLV_MESSAGE_STATE, bytes((state,))),
            ]
            if err:
                tlvs.append(smpp34.Tlv(TLV_NETWORK_ERROR_CODE, bytes((NETWORK_GSM, 0, err))))
        dst = address(record.source)
        src = address(record.destination)
        future = asyncio.ensure_future(
            esme.deliver_sm(
                record.source,
                text,
                source_addr=record.destination,
                source_addr_ton=src.ton,
                source_addr_npi=src.npi,
                dest_addr_ton=dst.ton,
                dest_addr_npi=dst.npi,
                esm_class=ESM_RECEIPT,
                tlvs=tlvs,
            )
        )
        if confirmed:
            self._inflight += 1
            future.add_done_callback(partial(self._receipt_done, receipt))
            return
        # An RX session: smpp34's server never matches its deliver_sm_resp (the future fails
        # with ESME_RSYSERR after 30 s), so count the receipt as sent and do not retry it.
        future.add_done_callback(_retrieve)
        self.stats["receipts"] += 1
        self.stats["receipts_unconfirmed"] += 1
        self._accept_pending(receipt)
        self._maybe_idle()

    def _receipt_done(
        self, receipt: _Receipt, future: asyncio.Future[smpp34.DeliverSmResp]
    ) -> None:
        if not self._tasks:
            return  # stopped: the session went with it, and nothing is retried any more
        self._inflight -= 1
        self._window_free.set()
        self._accept_pending(receipt)
        if future.cancelled():
            return
        error = future.exception()
        if error is None and future.result().command_status == 0:
            self.stats["receipts"] += 1
        else:
            self._retry(receipt, asyncio.get_running_loop().time())
        self._maybe_idle()

    def _maybe_idle(self) -> None:
        if not self._receipts and not self._inflight:
            self._receipts_idle.set()

    def _retry(self, receipt: _Receipt, now: float) -> None:
        receipt.attempts += 1
        if receipt.attempts >= self.config.receipt_attempts:
            self.stats["receipts_dropped"] += 1
            self._maybe_idle()
            return
        self.stats["receipt_retries"] += 1
        self._schedule(now + self.config.receipt_retry_s, receipt)

    def _accept_pending(self, receipt: _Receipt) -> None:
        event, receipt.pending_answer = receipt.pending_answer, None
        if event is not None and receipt.record.message_id is not None:
            event.accept(receipt.record.message_id)

    def _receiver(self, record: Submitted) -> tuple[smpp34.Esme | None, bool]:
        """The session to take a receipt, and whether its deliver_sm_resp will be seen."""
        esme = self.sessions.get(record.session_id)
        if esme is not None and esme.can_receive:
            return esme, True  # it submitted and can receive: a transceiver
        return self._pick_receiver(record.system_id)  # a TX bind: its RX sibling

    def _pick_receiver(self, system_id: str | None) -> tuple[smpp34.Esme | None, bool]:
        # Esme does not say RX from TRX; a session that has submitted and can receive is TRX.
        fallback = None
        for session_id, other in self.sessions.items():
            if other.can_receive and (system_id is None or other.system_id == system_id):
                if session_id in self._submitters:
                    return other, True
                fallback = fallback or other
        return fallback, False

    def _receipt_text(self, record: Submitted, stat: str, err: int) -> bytes:
        assert record.message_id is not None
        rid = str(int(record.message_id, 16)) if self.config.hex_ids else record.message_id
        date = self._date()
        dlvrd = b"001" if stat == "DELIVRD" else b"000"
        sample = b""
        if record.data_coding == 0:
            body = record.body
            if record.esm_class & ESM_UDHI and body:
                body = body[body[0] + 1 :]
            sample = body[:20]
        return b"id:%s sub:001 dlvrd:%s submit date:%s done date:%s stat:%s err:%03d text:%s" % (
            rid.encode(),
            dlvrd,
            date,
            date,
            stat.encode(),
            err,
            sample,
        )

    def _date(self) -> bytes:
        minute = int(time.time() // 60)
        if self._date_cache[0] != minute:
            stamp = time.strftime("%y%m%d%H%M", time.gmtime(minute * 60)).encode()
            self._date_cache = (minute, stamp)
        return self._date_cache[1]

    # -- mobile originated ---------------------------------------------------------------

    async def send_mo(
        self,
        source: str,
        destination: str,
        text: str,
        *,
        system_id: str | None = None,
        concat: Literal["udh", "udh16", "sar"] = "udh",
        reference: int | None = None,
        within: float = 2.0,
    ) -> int:
        """Deliver an MO to a bound receiver (of `system_id`, if given); return the part count.

        Long texts go as concatenated parts: an 8-bit or 16-bit UDH, or the SAR TLVs.
        Raise LookupError when no session can receive within `within` seconds.
        """
        esme, confirmed = self._pick_receiver(system_id)
        if esme is None and await self.wait_for_receiver(system_id, within):
            esme, confirmed = self._pick_receiver(system_id)
        if esme is None:
            raise LookupError("no bound session can receive an MO")
        ref = self._rng.randrange(1, 0xFFFF) if reference is None else reference
        pieces = parts(text, ref, udh16=concat == "udh16")
        src, dst = address(source), address(destination)
        for seq, piece in enumerate(pieces, 1):
            body, esm, tlvs = piece.short_message, piece.esm_class, []
            if concat == "sar" and len(pieces) > 1:
                body, esm = piece.payload, 0
                tlvs = [
                    smpp34.Tlv(TLV_SAR_MSG_REF_NUM, ref.to_bytes(2, "big")),
                    smpp34.Tlv(TLV_SAR_TOTAL_SEGMENTS, bytes((len(pieces),))),
                    smpp34.Tlv(TLV_SAR_SEGMENT_SEQNUM, bytes((seq,))),
                ]
            future = esme.deliver_sm(
                dst.addr,
                body,
                source_addr=src.addr,
                source_addr_ton=src.ton,
                source_addr_npi=src.npi,
                dest_addr_ton=dst.ton,
                dest_addr_npi=dst.npi,
                esm_class=esm,
                data_coding=piece.data_coding,
                tlvs=tlvs,
            )
            if not confirmed:  # an RX session: no deliver_sm_resp will be matched (see _fire)
                asyncio.ensure_future(future).add_done_callback(_retrieve)
                continue
            resp = await future
            if resp.command_status:
                raise RuntimeError(f"MO part {seq} refused: {resp.command_status:#x}")
        self.stats["mo"] += 1
        return len(pieces)

    def _side_effect(self, awaitable: Awaitable[object]) -> None:
        future = asyncio.ensure_future(awaitable)
        self._side.add(future)
        future.add_done_callback(_forget(self._side))


def _retrieve(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()  # retrieved, so asyncio does not log it


def _forget(pending: set[asyncio.Future[object]]) -> partial[None]:
    return partial(_discard_quietly, pending)


def _discard_quietly(pending: set[asyncio.Future[object]], future: asyncio.Future[object]) -> None:
    pending.discard(future)
    if not future.cancelled():
        future.exception()  # retrieved, so asyncio does not log it


def _payload_tlv(event: smpp34.SubmitSmEvent) -> bytes | None:
    for tlv in event.tlvs:
        if tlv.tag == TLV_MESSAGE_PAYLOAD:
            return tlv.value
    return None


def _free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
