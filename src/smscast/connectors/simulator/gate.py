"""A bind gate: check system_id and password before a session reaches the smpp34 server.

smpp34's Python Server accepts every bind and shows us only the system_id, never the password,
and only after it has already answered bind_resp OK. To refuse a wrong password the way a real
SMSC does (bind_resp with ESME_RINVSYSID or ESME_RINVPASWD), the simulator listens here, reads
the first PDU itself, and on success pipes the connection through to the smpp34 server on a
private port. It is only used when credentials are configured: the pipe costs a hop, and the
benchmarks run with "accept anyone".
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import Mapping

__all__ = ["CredentialGate"]

BIND_IDS = (0x00000001, 0x00000002, 0x00000009)  # receiver, transmitter, transceiver
GENERIC_NACK = 0x80000000
ESME_RINVBNDSTS = 0x04
ESME_RINVPASWD = 0x0E
ESME_RINVSYSID = 0x0F
MAX_BIND_LENGTH = 512  # a bind is at most ~100 octets; anything larger is not a bind
FIRST_PDU_TIMEOUT_S = 10.0


class CredentialGate:
    """Listen on the public port; admit binds with known credentials to `upstream`."""

    def __init__(self, credentials: Mapping[str, str], upstream: tuple[str, int]) -> None:
        self.credentials = dict(credentials)
        self.upstream = upstream
        self.refused = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self, host: str, port: int) -> int:
        """Listen; return the bound port (useful with port 0)."""
        self._server = await asyncio.start_server(self._handle, host, port)
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Stop listening and cut every piped connection."""
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        if self._server is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
            self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        up_writer: asyncio.StreamWriter | None = None
        try:
            first = await asyncio.wait_for(_read_pdu(reader), FIRST_PDU_TIMEOUT_S)
            if first is None:
                return
            status = self._check(first)
            if status:
                self.refused += 1
                command_id, sequence = struct.unpack_from(">I4xI", first, 4)
                reply_id = command_id | 0x80000000 if command_id in BIND_IDS else GENERIC_NACK
                # SMPP 3.4 4.1.2: no body in a bind_resp whose command_status is an error.
                writer.write(struct.pack(">IIII", 16, reply_id, status, sequence))
                await writer.drain()
                return
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
            self._writers.add(up_writer)
            up_writer.write(first)
            await asyncio.gather(_pump(reader, up_writer), _pump(up_reader, writer))
        except (TimeoutError, ConnectionError, OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            self._writers.discard(writer)
            if up_writer is not None:
                up_writer.close()
                self._writers.discard(up_writer)

    def _check(self, pdu: bytes) -> int:
        command_id = struct.unpack_from(">I", pdu, 4)[0]
        if command_id not in BIND_IDS:
            return ESME_RINVBNDSTS
        fields = pdu[16:].split(b"\x00", 2)
        if len(fields) < 3:
            return ESME_RINVSYSID
        system_id = fields[0].decode("latin-1")
        password = fields[1].decode("latin-1")
        if system_id not in self.credentials:
            return ESME_RINVSYSID
        return ESME_RINVPASWD if self.credentials[system_id] != password else 0


async def _read_pdu(reader: asyncio.StreamReader) -> bytes | None:
    header = await reader.readexactly(16)
    length = struct.unpack_from(">I", header)[0]
    if not 16 <= length <= MAX_BIND_LENGTH:
        return None
    return header + await reader.readexactly(length - 16)


async def _pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
    try:
        while data := await src.read(65536):
            dst.write(data)
            await dst.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        dst.close()
