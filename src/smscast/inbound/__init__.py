"""Inbound (MO) messages: storing them per account, keywords (STOP, START, HELP and the
account's own), auto-replies, and the HTTP endpoint carriers post to."""

from smscast.inbound.config import InboundConfig, KeywordSet
from smscast.inbound.hooks import WorkerHooks, worker_hooks
from smscast.inbound.keywords import BUILT_IN, DEFAULT_REPLIES, match, normalise
from smscast.inbound.service import MO, InboundFilters, InboundService, Received

__all__ = [
    "BUILT_IN",
    "DEFAULT_REPLIES",
    "MO",
    "InboundConfig",
    "InboundFilters",
    "InboundService",
    "KeywordSet",
    "Received",
    "WorkerHooks",
    "match",
    "normalise",
    "worker_hooks",
]
