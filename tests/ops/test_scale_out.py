"""Scale-out as docs/deploy.md describes it: two API processes and two workers, separate
processes on one PostgreSQL, an SMSC simulator of their own. A few thousand messages through
both APIs all reach `delivered`; none is lost and none is sent twice (counted at the SMSC)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.ops import state
from tests.ops.conftest import (
    EXIT_WITHIN_S,
    PYTHON,
    STARTUP_S,
    Processes,
    env_for,
    free_port,
    http_ok,
    run_cli,
    wait_until,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

TOTAL = 3000
PER_REQUEST = 500


def _sent_by(metrics_port: int) -> float:
    text = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "smscast_dispatch_outcomes_total" and s.labels.get("outcome") == "sent"
    )


def test_two_apis_and_two_workers_deliver_everything_once(
    test_db, procs: Processes, fresh_db: str, tmp_path: Path
) -> None:
    if test_db.backend != "postgresql":
        pytest.skip(
            "scale-out needs PostgreSQL: SQLite is one process's store (set "
            "SMSCAST_TEST_DATABASE_URL to run this)"
        )
    env = env_for(fresh_db, tmp_path)
    sim_port = free_port()
    sim = procs.start(
        "simulator",
        [PYTHON, "-m", "smscast.connectors.simulator", "--port", str(sim_port)],
        env,
    )
    add = (
        f"connectors add sim --kind smpp --host 127.0.0.1 --port {sim_port} "
        "--system-id x --password y --default"
    )
    added = run_cli(*add.split(), env=env)
    assert added.returncode == 0, added.stdout + added.stderr
    tenant = state.tenant(fresh_db, tmp_path)
    wait_until(lambda: "smsc listening" in sim.output, STARTUP_S, what="simulator listening")

    api_ports = [free_port(), free_port()]
    metric_ports = [free_port(), free_port()]
    api_env = env | {"SMSCAST_EMBEDDED_WORKER": "false"}
    apis = [
        procs.smscast(f"api-{i}", "serve", "--workers", "1", "--port", str(p), env=api_env)
        for i, p in enumerate(api_ports)
    ]
    workers = [
        procs.smscast(
            f"worker-{i}",
            *["worker", "--batch", "100", "--in-flight", "400"],
            env=env | {"SMSCAST_METRICS_PORT": str(p)},
        )
        for i, p in enumerate(metric_ports)
    ]
    for p in api_ports:
        wait_until(lambda p=p: http_ok(f"http://127.0.0.1:{p}/readyz"), STARTUP_S, what="API")
    for p in metric_ports:
        wait_until(lambda p=p: http_ok(f"http://127.0.0.1:{p}/metrics"), STARTUP_S, what="worker")

    def send(i: int) -> int:
        port = api_ports[i % 2]
        body = state.bulk_body(PER_REQUEST, 3_000_000 + i * PER_REQUEST)
        r = httpx.post(
            f"http://127.0.0.1:{port}/v1/messages/bulk",
            json=body,
            headers=state.basic(tenant),
            timeout=60,
        )
        assert r.status_code == 201, r.text
        return int(r.json()["accepted"])

    with ThreadPoolExecutor(4) as pool:
        accepted = sum(pool.map(send, range(TOTAL // PER_REQUEST)))
    assert accepted == TOTAL
    wait_until(
        lambda: state.statuses(fresh_db, tmp_path)["delivered"] == TOTAL,
        STARTUP_S,
        every=0.5,
        what=f"{TOTAL} delivered",
    )

    # Both workers took a share; together they sent each message once.
    sent = [_sent_by(p) for p in metric_ports]
    assert sum(sent) == TOTAL, sent
    assert all(n > 0 for n in sent), sent
    gauges = httpx.get(f"http://127.0.0.1:{api_ports[0]}/metrics", timeout=5).text
    assert "smscast_dispatch_workers 2.0" in gauges

    for proc in [*apis, *workers]:
        code, _ = proc.terminate(EXIT_WITHIN_S)
        assert code == 0, proc.output[-3000:]
    code, _ = sim.terminate(10)
    assert code == 0
    stats = json.loads(sim.output.strip().splitlines()[-1])
    assert stats["submit_sm"] == stats["accepted"] == TOTAL, stats
    assert state.parts_per_message(fresh_db, tmp_path) == {1: TOTAL}
    assert state.statuses(fresh_db, tmp_path) == {"delivered": TOTAL}
