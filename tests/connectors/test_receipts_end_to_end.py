"""Receipts come back as events, with carrier ids that match what submit returned."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from smscast.connectors.smpp import candidate_ids
from tests.connectors.conftest import connected, events, message, simulator, wait_until

pytestmark = pytest.mark.anyio


async def test_each_part_gets_a_receipt_with_its_carrier_id():
    async with simulator() as sim, connected(sim) as conn, events(conn) as seen:
        single = await conn.submit(message("one"))
        multi = await conn.submit(message("Ваш заказ готов к выдаче. " * 6))
        await wait_until(lambda: len(seen.receipts) == 4)
    ids = single.carrier_ids + multi.carrier_ids
    assert sorted(r.carrier_id for r in seen.receipts) == sorted(ids)
    assert {r.state for r in seen.receipts} == {"delivered"}
    assert all(r.done_at is not None for r in seen.receipts)


async def test_outcome_mix_is_honoured():
    mix = {"delivered": 2, "undelivered": 1, "expired": 1, "rejected": 0, "seed": 3}
    async with simulator(**mix) as sim, connected(sim) as conn, events(conn) as seen:
        results = await asyncio.gather(*(conn.submit(message(f"m{i}")) for i in range(200)))
        await wait_until(lambda: len(seen.receipts) == 200)
    states = Counter(r.state for r in seen.receipts)
    assert set(states) == {"delivered", "undelivered", "expired"}
    assert 70 < states["delivered"] < 130  # expected 100
    assert 25 < states["undelivered"] < 75 and 25 < states["expired"] < 75
    by_id = {r.carrier_id: r for r in seen.receipts}
    assert set(by_id) == {i for r in results for i in r.carrier_ids}
    assert {r.error_code for r in seen.receipts if r.state != "delivered"} <= {"001", "002"}


async def test_same_seed_gives_the_same_outcomes():
    async def run() -> list[str | None]:
        async with simulator(delivered=1, undelivered=1, seed=11) as sim, connected(sim) as conn:
            for i in range(30):
                await conn.submit(message(f"m{i}"))
            return [r.outcome for r in sim.received]

    assert await run() == await run()


@pytest.mark.parametrize(
    ("receipt_text", "receipt_tlvs"), [(True, True), (True, False), (False, True)]
)
async def test_receipt_forms_all_parse(receipt_text, receipt_tlvs):
    options = {"receipt_text": receipt_text, "receipt_tlvs": receipt_tlvs, "undelivered": 1}
    options |= {"delivered": 0}
    async with simulator(**options) as sim, connected(sim) as conn, events(conn) as seen:
        result = await conn.submit(message())
        await wait_until(lambda: seen.receipts)
    [receipt] = seen.receipts
    assert receipt.carrier_id == result.carrier_ids[0]
    assert receipt.state == "undelivered" and receipt.error_code == "001"
    assert bool(receipt.raw) == receipt_text


async def test_hex_ids_match_in_tlv_and_in_decimal_text():
    async with simulator(hex_ids=True) as sim, connected(sim) as conn, events(conn) as seen:
        result = await conn.submit(message())
        await wait_until(lambda: seen.receipts)
    [stored] = result.carrier_ids
    assert stored == stored.lower() and not stored.startswith("0")  # "0000A1B2" -> "a1b2"
    assert seen.receipts[0].carrier_id == stored  # the TLV says "a1b2"

    async with simulator(hex_ids=True, receipt_tlvs=False) as sim, connected(sim) as conn:
        async with events(conn) as seen:
            result = await conn.submit(message())
            await wait_until(lambda: seen.receipts)
    [stored] = result.carrier_ids
    receipt_id = seen.receipts[0].carrier_id
    assert receipt_id != stored and receipt_id.isdigit()  # the text says it in decimal
    assert stored in candidate_ids(receipt_id)


async def test_receipt_before_submit_resp_still_matches():
    async with simulator(receipt_before_resp=True) as sim, connected(sim) as conn:
        async with events(conn) as seen:
            result = await conn.submit(message())
            await wait_until(lambda: seen.receipts)
    assert seen.receipts[0].carrier_id == result.carrier_ids[0]


async def test_no_receipt_when_none_requested():
    async with simulator() as sim, connected(sim, registered_delivery=0) as conn:
        async with events(conn) as seen:
            await conn.submit(message())
            await asyncio.sleep(0.1)
    assert not seen.receipts and sim.stats["receipts"] == 0


async def test_failure_only_receipts():
    mix = {"delivered": 1, "rejected": 1, "seed": 5}
    async with simulator(**mix) as sim, connected(sim, registered_delivery=2) as conn:
        async with events(conn) as seen:
            for i in range(40):
                await conn.submit(message(f"m{i}"))
            await sim.drain()
            await asyncio.sleep(0.05)
    assert seen.receipts and {r.state for r in seen.receipts} == {"rejected"}
    assert len(seen.receipts) == sum(r.outcome == "REJECTD" for r in sim.received)
