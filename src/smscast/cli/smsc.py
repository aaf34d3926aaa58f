"""`smscast smsc`: run the SMSC simulator in the foreground until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time

import typer

from smscast.connectors.simulator import Simulator, SimulatorConfig

__all__ = ["app", "smsc"]

app = typer.Typer(help="The SMSC simulator.")


def smsc(
    port: int = typer.Option(2775, help="TCP port; 0 picks a free one (printed on start)."),
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    latency_ms: float = typer.Option(0.0, help="Delay before each submit_sm_resp."),
    receipt_delay_ms: float = typer.Option(50.0, help="Delay from resp to delivery receipt."),
    delivered: float = typer.Option(1.0, help="Weight of DELIVRD receipts."),
    undelivered: float = typer.Option(0.0, help="Weight of UNDELIV receipts."),
    expired: float = typer.Option(0.0, help="Weight of EXPIRED receipts."),
    rejected: float = typer.Option(0.0, help="Weight of REJECTD receipts."),
    throttle: float = typer.Option(0.0, help="Share of submits answered ESME_RTHROTTLED."),
    queue_full: float = typer.Option(0.0, help="Share of submits answered ESME_RMSGQFUL."),
    no_answer: float = typer.Option(0.0, help="Share of submits never answered."),
    drop: float = typer.Option(0.0, help="Share of submits that drop the session."),
    system_id: str = typer.Option("", help="Accept only this system_id (empty: anyone)."),
    password: str = typer.Option("", help="Password required with --system-id."),
    seed: int | None = typer.Option(None, help="Random seed for faults and outcomes."),
    hex_ids: bool = typer.Option(False, help="Hex ids in resps, decimal in receipt text."),
    receipt_before_resp: bool = typer.Option(False, help="Send receipts before the resp."),
    receipt_text: bool = typer.Option(True, help="Put the id:... stat:... text in receipts."),
    receipt_tlvs: bool = typer.Option(True, help="Put receipted_message_id etc. in receipts."),
    record: bool = typer.Option(False, help="Keep every submit in memory (grows forever)."),
) -> None:
    """Run a simulated SMSC that answers submit_sm and sends delivery receipts."""
    config = SimulatorConfig(
        credentials={system_id: password} if system_id else {},
        latency_ms=latency_ms,
        receipt_delay_ms=receipt_delay_ms,
        delivered=delivered,
        undelivered=undelivered,
        expired=expired,
        rejected=rejected,
        throttle_rate=throttle,
        queue_full_rate=queue_full,
        no_answer_rate=no_answer,
        drop_rate=drop,
        seed=seed,
        hex_ids=hex_ids,
        receipt_before_resp=receipt_before_resp,
        receipt_text=receipt_text,
        receipt_tlvs=receipt_tlvs,
        record=record,
    )
    asyncio.run(_run(Simulator(host, port, config)))


app.command("smsc")(smsc)


async def _run(sim: Simulator) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await sim.start()
    # Parents (benchmarks, tests) wait for this line to learn the port.
    print(f"smsc listening on {sim.host}:{sim.port}", flush=True)
    try:
        await stop.wait()
    finally:
        await sim.stop()
        stats = {**sim.stats, "cpu_s": round(time.process_time(), 2)}
        print(json.dumps(stats), file=sys.stderr, flush=True)
