"""Every part reaches the SMSC with the right coding, UDH, addressing and receipt request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from smscast.connectors.base import ConnectorError, OutboundMessage
from smscast.connectors.smpp.connector import _validity
from smscast.encoding import analyze
from tests.connectors.conftest import PHONE, SENDER, WIRE_PHONE, connected, message, simulator

pytestmark = pytest.mark.anyio

GSM_LONG = "Spring sale: 20% off everything in store today only! " * 4  # 212 chars, 2 parts
UCS2_SHORT = "Привет, как дела? 🙂"
UCS2_LONG = "Ваш заказ готов к выдаче. " * 6  # 156 UCS-2 characters, 3 parts


@pytest.mark.parametrize(
    ("body", "coding"),
    [("Hello", 0), (GSM_LONG, 0), ("Price: 5€ {ok}", 0), (UCS2_SHORT, 8), (UCS2_LONG, 8)],
)
async def test_text_arrives_whole_with_the_right_coding(body, coding):
    async with simulator() as sim, connected(sim) as conn:
        result = await conn.submit(message(body, ref=300))
        [received] = sim.messages()
    assert received.text == body
    assert len(received.parts) == analyze(body).segments == len(result.carrier_ids)
    assert received.message_ids == result.carrier_ids
    assert {p.data_coding for p in received.parts} == {coding}
    multi = len(received.parts) > 1
    assert all(bool(p.esm_class & 0x40) == multi for p in received.parts)


async def test_parts_carry_one_reference_and_their_sequence():
    async with simulator() as sim, connected(sim) as conn:
        await conn.submit(message(UCS2_LONG, ref=0x1234))
        concat = [r.concat for r in sim.received]
    assert concat == [(0x34, 3, 1), (0x34, 3, 2), (0x34, 3, 3)]  # 8-bit UDH: the low byte


async def test_udh16_keeps_the_whole_reference():
    async with simulator() as sim, connected(sim, udh16=True) as conn:
        await conn.submit(message(GSM_LONG, ref=0x1234))
        assert [r.concat for r in sim.received] == [(0x1234, 2, 1), (0x1234, 2, 2)]
        assert sim.messages()[0].text == GSM_LONG


async def test_message_payload_sends_one_submit_without_udh():
    async with simulator() as sim, connected(sim, use_message_payload=True) as conn:
        result = await conn.submit(message(UCS2_LONG))
        [received] = sim.received
    assert len(result.carrier_ids) == 1
    assert received.short_message == b"" and received.esm_class == 0
    assert received.data_coding == 8
    assert received.text == UCS2_LONG


@pytest.mark.parametrize(
    ("source", "ton_npi"),
    [(SENDER, (1, 1)), ("12345", (3, 0)), ("ACME", (5, 0))],
)
async def test_ton_npi_follow_the_kind_of_address(source, ton_npi):
    async with simulator() as sim, connected(sim) as conn:
        await conn.submit(OutboundMessage("m", source, PHONE, "hi"))
        [received] = sim.received
    assert received.source == source.lstrip("+")
    assert received.destination == WIRE_PHONE
    assert received.ton_npi == (*ton_npi, 1, 1)


async def test_receipts_requested_on_every_part_by_default():
    async with simulator() as sim, connected(sim) as conn:
        await conn.submit(message(UCS2_LONG))
        assert [r.registered_delivery for r in sim.received] == [1, 1, 1]


async def test_receipt_on_last_part_only_when_asked():
    async with simulator() as sim, connected(sim, receipts_on_all_parts=False) as conn:
        await conn.submit(message(UCS2_LONG))
        assert [r.registered_delivery for r in sim.received] == [0, 0, 1]


async def test_too_long_a_message_is_a_permanent_error():
    async with simulator() as sim, connected(sim) as conn:
        with pytest.raises(ConnectorError) as caught:
            await conn.submit(message("x" * 153 * 256))
        assert caught.value.permanent and caught.value.code == "invalid_message_length"
        assert not sim.received


async def test_already_expired_message_is_not_sent():
    expired = OutboundMessage(
        "m", SENDER, PHONE, "late", expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    async with simulator() as sim, connected(sim) as conn:
        with pytest.raises(ConnectorError) as caught:
            await conn.submit(expired)
        assert caught.value.permanent and caught.value.code == "expired"
        assert not sim.received


def test_validity_period_is_smpp_absolute_utc():
    when = datetime(2031, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert _validity(when) == "310203040506000+"
    assert _validity(None) == ""
