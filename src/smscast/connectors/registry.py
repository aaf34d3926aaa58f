"""Connector kinds by name: `build("smpp", "carrier-a", {...})` returns a started-able Connector.

To add a kind: copy `connectors/simulator/` (the smallest) to `connectors/<kind>/`, make its
class satisfy `connectors.base.Connector` (start, stop, submit, events, and a `bound` property
if it can tell how many sessions are usable), add a builder below, and add tests under
`tests/connectors/` that run it against something real.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from smscast.connectors.base import Connector
from smscast.connectors.simulator.connector import SimulatorConnector
from smscast.connectors.smpp import SmppConfig, SmppConnector

__all__ = ["KINDS", "build"]


def _smpp(name: str, options: dict[str, Any]) -> Connector:
    return SmppConnector(name, SmppConfig.from_options(options))


def _simulator(name: str, options: dict[str, Any]) -> Connector:
    return SimulatorConnector(name, options)


KINDS: Mapping[str, Callable[[str, dict[str, Any]], Connector]] = {
    "smpp": _smpp,
    "simulator": _simulator,
}


def build(kind: str, name: str, options: Mapping[str, Any]) -> Connector:
    """Build a connector of `kind`; raise ValueError for an unknown kind or bad options."""
    try:
        builder = KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown connector kind {kind!r}; known: {', '.join(KINDS)}") from None
    return builder(name, dict(options))
