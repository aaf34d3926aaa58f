"""How the simulated SMSC behaves: who may bind, how fast it answers, what goes wrong."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["SimulatorConfig"]


@dataclass(frozen=True)
class SimulatorConfig:
    """Behaviour of a `Simulator`. Rates are probabilities per submit_sm, weights are relative."""

    credentials: Mapping[str, str] = field(default_factory=dict)  # system_id -> password; {} = any
    latency_ms: float = 0.0  # delay before submit_sm_resp
    receipt_delay_ms: float = 50.0  # from submit_sm_resp to the receipt's deliver_sm
    delivered: float = 1.0  # outcome weights of the receipts
    undelivered: float = 0.0
    expired: float = 0.0
    rejected: float = 0.0
    throttle_rate: float = 0.0  # answer ESME_RTHROTTLED (0x58)
    queue_full_rate: float = 0.0  # answer ESME_RMSGQFUL (0x14)
    no_answer_rate: float = 0.0  # never answer the submit_sm
    drop_rate: float = 0.0  # unbind the session instead of answering
    seed: int | None = None  # fixes faults and outcomes (given one session's submit order)
    receipt_text: bool = True  # the "id:... stat:..." text in short_message
    receipt_tlvs: bool = True  # receipted_message_id, message_state, network_error_code
    receipt_before_resp: bool = False  # deliver the receipt before the submit_sm_resp
    hex_ids: bool = False  # resp ids "0000A1B2"; receipts say "41394" in text, "a1b2" in TLV
    first_id: int | None = None  # first message id; default: from the clock, unique per start
    record: bool = True  # keep every submit in `received` (tests); off for long runs
    system_id: str = "smscast-sim"  # the SMSC's own id in bind_resp
    receipt_window: int = 256  # receipts in flight (deliver_sm awaiting deliver_sm_resp)
    receipt_retry_s: float = 1.0  # retry delay for a receipt with no receiver or a NAK
    receipt_attempts: int = 30  # then the receipt is dropped and counted

    def __post_init__(self) -> None:
        rates = (self.throttle_rate, self.queue_full_rate, self.no_answer_rate, self.drop_rate)
        if any(r < 0 for r in rates) or sum(rates) > 1:
            raise ValueError("fault rates must be >= 0 and sum to at most 1")
        weights = (self.delivered, self.undelivered, self.expired, self.rejected)
        if any(w < 0 for w in weights) or sum(weights) <= 0:
            raise ValueError("outcome weights must be >= 0 with a positive sum")
        if self.latency_ms < 0 or self.receipt_delay_ms < 0:
            raise ValueError("latency_ms and receipt_delay_ms must be >= 0")
