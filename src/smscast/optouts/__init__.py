"""Consent: the opt-out list (per account, or per sender), its history, campaign
subscriptions, and the rules a message must pass to be accepted and, again, to be sent."""

from dataclasses import dataclass

from smscast.db import Database
from smscast.optouts.guard import SuppressionGuard
from smscast.optouts.policy import Policy, policy_of, read_policy, update_policy
from smscast.optouts.screen import OPTED_OUT, AcceptScreen
from smscast.optouts.sender_rules import SenderRecord, SenderRegistry, TableSenders
from smscast.optouts.service import Entry, OptOutService, blocked, opt_in, opt_out, opted_out
from smscast.optouts.subscriptions import SubscriptionService


@dataclass
class Consent:
    """The consent services of one process."""

    optouts: OptOutService
    subscriptions: SubscriptionService
    screen: AcceptScreen

    @classmethod
    def build(cls, db: Database) -> "Consent":
        return cls(OptOutService(db), SubscriptionService(db), AcceptScreen(db))


__all__ = [
    "OPTED_OUT",
    "AcceptScreen",
    "Consent",
    "Entry",
    "OptOutService",
    "Policy",
    "SenderRecord",
    "SenderRegistry",
    "SubscriptionService",
    "SuppressionGuard",
    "TableSenders",
    "blocked",
    "opt_in",
    "opt_out",
    "opted_out",
    "policy_of",
    "read_policy",
    "update_policy",
]
