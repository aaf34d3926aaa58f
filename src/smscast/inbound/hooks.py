"""What the dispatch worker is given by this domain: the claim-time opt-out check and the
handler of MO messages from its connectors (`runtime.build_worker` passes both)."""

from __future__ import annotations

import asyncio
import logging

from smscast.connectors.base import Inbound
from smscast.db import Database
from smscast.inbound.service import MO, InboundService
from smscast.optouts.guard import SuppressionGuard

__all__ = ["WorkerHooks", "worker_hooks"]

log = logging.getLogger(__name__)

_ATTEMPTS = 5


class WorkerHooks:
    """`Worker(recheck=hooks.guard, on_inbound=hooks.on_inbound)`."""

    def __init__(self, guard: SuppressionGuard, inbound: InboundService):
        self.guard = guard
        self.inbound = inbound
        self.received = 0

    async def on_inbound(self, connector: str, message: Inbound) -> None:
        """Store and act on one MO. Never raises: the worker's event pump must go on.

        The carrier has had its deliver_sm_resp already, so a failure here would lose the MO:
        retry while the database is away (the pump, and this connector's receipts, wait).
        """
        mo = MO.from_connector(connector, message)
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                received = await self.inbound.receive(mo)
                break
            except Exception as exc:
                if attempt == _ATTEMPTS:
                    log.error("MO from %s to %s lost: %s", mo.source, mo.destination, exc)
                    return
                log.warning("storing an MO failed (%s); retrying", exc)
                await asyncio.sleep(0.2 * 2**attempt)
        self.received += 1
        if received.action is not None:
            # This worker must not send what this MO just stopped, not even for a second.
            try:
                await self.guard.refresh()
            except Exception as exc:
                log.warning("refreshing the opt-out list after an MO failed: %s", exc)

    async def close(self) -> None:
        await self.guard.close()


async def worker_hooks(db: Database, inbound: InboundService) -> WorkerHooks:
    """Load the opt-out list and keep it fresh; hand over the worker's two hooks."""
    return WorkerHooks(await SuppressionGuard(db).start(), inbound)
