"""MO messages arrive as Inbound, whole, however the SMSC split them."""

from __future__ import annotations

import pytest

from tests.connectors.conftest import connected, events, simulator, wait_until

pytestmark = pytest.mark.anyio

HANDSET = "+447700900456"
LONG = "STOP sending me these offers please, I never asked for them. " * 4


@pytest.mark.parametrize(
    ("text", "concat"),
    [
        ("STOP", "udh"),
        (LONG, "udh"),
        (LONG, "udh16"),
        (LONG, "sar"),
        ("Стоп, пожалуйста 🙏 " * 5, "udh"),
    ],
)
async def test_mo_arrives_whole(text, concat):
    async with simulator() as sim, connected(sim) as conn, events(conn) as seen:
        parts = await sim.send_mo(HANDSET, "12345", text, concat=concat)
        await wait_until(lambda: seen.inbound)
    [mo] = seen.inbound
    assert mo.body == text
    assert (mo.source, mo.destination) == (HANDSET, "12345")  # '+' restored from TON 1
    assert (parts > 1) == (text == LONG or len(text) > 70)
    assert mo.received_at.tzinfo is not None
    assert not seen.receipts


async def test_mo_reaches_a_receiver_of_a_tx_plus_rx_bind():
    async with simulator() as sim, connected(sim, bind_type="TX+RX") as conn:
        async with events(conn) as seen:
            await sim.send_mo(HANDSET, "12345", LONG)
            await wait_until(lambda: seen.inbound)
    assert seen.inbound[0].body == LONG


async def test_mo_without_a_receiver_is_refused():
    async with simulator() as sim:
        with pytest.raises(LookupError):
            await sim.send_mo(HANDSET, "12345", "STOP", within=0.2)
