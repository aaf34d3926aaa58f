"""Garbage on the wire never takes the simulator down: it keeps serving real sessions."""

from __future__ import annotations

import asyncio
import contextlib
import struct

import pytest

from tests.connectors.conftest import connected, message, simulator

pytestmark = pytest.mark.anyio


def pdu(command_id: int, body: bytes = b"", *, length: int | None = None, seq: int = 1) -> bytes:
    size = 16 + len(body) if length is None else length
    return struct.pack(">IIII", size, command_id, 0, seq) + body


BIND_TRX = pdu(0x09, b"raw\x00pw\x00\x00\x34\x00\x00\x00")

GARBAGE = [
    b"\x00",  # one byte
    b"GET / HTTP/1.1\r\nHost: smsc\r\n\r\n",  # the wrong protocol
    b"\xff" * 64,  # command_length of 4 GiB
    pdu(0x09, length=8),  # shorter than a header
    pdu(0x09, length=16),  # a bind with no body
    pdu(0x09, b"no terminators"),  # C-strings without NULs
    pdu(0x12345678, b"\x00" * 10),  # unknown command
    BIND_TRX + pdu(0x04, b"\x00\x01"),  # bound, then a truncated submit_sm
    BIND_TRX + pdu(0x04, b"\x00" * 300),  # bound, then a submit_sm full of zeros
    BIND_TRX + pdu(0x04, length=100_000),  # bound, then a length it never sends
    BIND_TRX + pdu(0x15, b"extra"),  # enquire_link with a body
    BIND_TRX[:20],  # half a bind, then hang up
]


async def poke(port: int, data: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        with contextlib.suppress(TimeoutError, ConnectionError):
            return await asyncio.wait_for(reader.read(4096), 0.2)
        return b""
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


@pytest.mark.parametrize("credentials", [{}, {"smscast": "pw"}], ids=["open", "gated"])
async def test_simulator_survives_garbage_and_keeps_serving(credentials):
    async with simulator(credentials=credentials) as sim:
        async with connected(sim) as conn:
            await conn.submit(message("before"))
            await asyncio.gather(*(poke(sim.port, junk) for junk in GARBAGE))
            await conn.submit(message("during"))  # the bound session is untouched
        async with connected(sim) as conn:  # and new binds still work
            await conn.submit(message("after"))
        ours = [m.text for m in sim.messages() if m.system_id == "smscast"]
        assert ours == ["before", "during", "after"]


async def test_gate_answers_a_non_bind_first_pdu_with_generic_nack():
    async with simulator(credentials={"smscast": "pw"}) as sim:
        answer = await poke(sim.port, pdu(0x15, seq=9))  # enquire_link before binding
    length, command_id, status, seq = struct.unpack(">IIII", answer[:16])
    assert (command_id, status, seq) == (0x80000000, 0x04, 9)  # ESME_RINVBNDSTS


async def test_gate_refuses_a_wrong_password_with_bind_resp():
    async with simulator(credentials={"smscast": "pw"}) as sim:
        answer = await poke(sim.port, pdu(0x09, b"smscast\x00nope\x00\x00\x34\x00\x00\x00", seq=5))
    length, command_id, status, seq = struct.unpack(">IIII", answer[:16])
    assert (length, command_id, status, seq) == (16, 0x80000009, 0x0E, 5)  # ESME_RINVPASWD
