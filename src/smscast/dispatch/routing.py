"""Which connector carries a message: the first rule that matches, else the default."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["Route", "Router"]


@dataclass(frozen=True, slots=True)
class Route:
    connector: str
    account_id: uuid.UUID | None = None  # None: serves every account
    rules: Sequence[dict[str, str]] = field(default_factory=tuple)
    priority: int = 100
    is_default: bool = False

    def matches(self, to: str, sender: str | None) -> bool:
        for rule in self.rules:
            prefix, rule_sender = rule.get("prefix"), rule.get("sender")
            if prefix and not to.startswith(prefix):
                continue
            if rule_sender and rule_sender != sender:
                continue
            if prefix or rule_sender:
                return True
        return False


class Router:
    """Rules of the message's own account first, then platform-wide ones, by priority."""

    def __init__(self, routes: Sequence[Route]):
        self.routes = sorted(routes, key=lambda r: (r.account_id is None, r.priority))

    def pick(self, account_id: uuid.UUID, to: str, sender: str | None) -> str | None:
        usable = [r for r in self.routes if r.account_id in (None, account_id)]
        for route in usable:
            if route.matches(to, sender):
                return route.connector
        for route in usable:
            if route.is_default:
                return route.connector
        return None
