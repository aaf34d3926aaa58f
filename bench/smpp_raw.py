"""The raw SMPP ceiling: a bare smpp34 client against the simulator in another process.

    .venv/bin/python bench/smpp_raw.py            # COUNT=100000 BINDS=2 WINDOW=64 by default

Prints one JSON line last: {"raw_smpp_per_s": ...}. The simulator runs with receipts on, and
the client reads them, so the figure is what the dispatcher could reach with zero overhead.

Reuse from another script in bench/ (not a package; Python puts a script's own folder on
sys.path, so a plain import works from bench/*.py):

    import smpp_raw
    async with smpp_raw.simulator_process(receipt_delay_ms=20) as port:
        rate = await smpp_raw.raw_rate("127.0.0.1", port, 100_000, binds=2)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
from collections.abc import AsyncIterator

import smpp34

import smscast.connectors.smpp.lifecycle  # noqa: F401  (smpp34 must not crash our exit)

__all__ = ["raw_rate", "simulator_process"]

SOURCE, DESTINATION, BODY = "12345", "447700900123", b"benchmark message body"


@contextlib.asynccontextmanager
async def simulator_process(*args: str, **options: object) -> AsyncIterator[int]:
    """Run `python -m smscast.connectors.simulator` on a free port; yield that port.

    Keyword options become CLI flags (receipt_delay_ms=20 -> --receipt-delay-ms 20).
    """
    flags = [*args]
    for key, value in options.items():
        flags += [f"--{key.replace('_', '-')}", str(value)]
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "smscast.connectors.simulator",
        "--port",
        "0",
        *flags,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        if "listening on" not in line:
            raise RuntimeError(f"simulator did not start: {line!r}")
        yield int(line.rsplit(":", 1)[1])
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def raw_rate(
    host: str, port: int, count: int, binds: int = 2, window: int = 64, receipts: bool = True
) -> float:
    """Submit `count` single-part messages over `binds` TRX sessions; return submit_sm/s.

    Each bind keeps `window` submits in flight; a reader per bind drains the receipts (they
    are part of the real load, and an unread smpp34 inbound buffer would drop the bind).
    The clock stops at the last submit_sm_resp; `receipts=True` then also waits for every
    receipt before returning, but the rate counts submits only.
    """
    clients = [
        smpp34.Client(
            host,
            port,
            f"bench{i}",
            "bench",
            bind_type="TRX",
            window_size=window,
            inbound_capacity=1 << 16,
        )
        for i in range(binds)
    ]
    sessions = [await c.connect() for c in clients]
    received = 0
    all_in = asyncio.Event()

    async def read(smsc: smpp34.Smsc) -> None:
        nonlocal received
        while not isinstance(await smsc.next(), smpp34.Disconnected):
            received += 1
            if received >= count:
                all_in.set()

    remaining = count

    async def send(smsc: smpp34.Smsc) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            resp = await smsc.submit_sm(
                DESTINATION, BODY, source_addr=SOURCE, registered_delivery=int(receipts)
            )
            if not resp.is_success:
                raise RuntimeError(f"submit failed: {resp.command_status:#x}")

    readers = [asyncio.create_task(read(s)) for s in sessions]
    started = time.perf_counter()
    await asyncio.gather(*(send(s) for s in sessions for _ in range(window)))
    elapsed = time.perf_counter() - started
    if receipts:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_in.wait(), 60)
    for smsc in sessions:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(smsc.unbind(), 2)
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    for client in clients:
        with contextlib.suppress(Exception):
            await client.stop()
    return count / elapsed


async def main() -> None:
    count = int(os.environ.get("COUNT", "100000"))
    binds = int(os.environ.get("BINDS", "2"))
    window = int(os.environ.get("WINDOW", "64"))
    async with simulator_process(receipt_delay_ms=20) as port:
        rate = await raw_rate("127.0.0.1", port, count, binds=binds, window=window)
    print(json.dumps({"raw_smpp_per_s": round(rate, 1), "count": count, "binds": binds}))


if __name__ == "__main__":
    asyncio.run(main())
