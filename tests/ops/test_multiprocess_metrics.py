"""`smscast serve --workers N` puts N processes behind one port; one scrape of /metrics must
count the requests of all of them, whichever process answers it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.ops.conftest import EXIT_WITHIN_S, STARTUP_S, Processes, env_for, free_port, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def _count(text: str) -> float:
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == "smscast_http_requests_total" and s.labels == {
                "method": "GET",
                "route": "/v1/messages",
                "status": "401",
            }:
                return s.value
    return 0.0


def test_one_scrape_sums_every_api_process(
    test_db, procs: Processes, fresh_db: str, tmp_path: Path
):
    if test_db.backend != "sqlite":
        # Three interpreters to start: once per `make test` is enough, and the PostgreSQL
        # pass runs the scale-out test instead. The database plays no part here.
        pytest.skip("runs in the SQLite pass only: the database plays no part in it")
    port = free_port()
    env = env_for(fresh_db, tmp_path, SMSCAST_EMBEDDED_WORKER="false")
    serve = procs.smscast("serve", "serve", "--workers", "2", "--port", str(port), env=env)
    base = f"http://127.0.0.1:{port}"
    pids: set[str] = set()

    def both_up() -> bool:
        # New connections spread over the two processes; each writes its own files.
        httpx.get(f"{base}/v1/messages", timeout=5)
        pids.update(p.stem.split("_")[-1] for p in (tmp_path / "metrics").glob("counter_*.db"))
        return len(pids) == 2

    wait_until(both_up, STARTUP_S, every=0.2, what="both API processes answering")
    before = _count(httpx.get(f"{base}/metrics", timeout=5).text)
    for _ in range(30):
        assert httpx.get(f"{base}/v1/messages", timeout=5).status_code == 401
    scrapes = [_count(httpx.get(f"{base}/metrics", timeout=5).text) for _ in range(6)]
    assert scrapes == [before + 30] * 6
    code, _ = serve.terminate(EXIT_WITHIN_S)
    assert code == 0, serve.output[-3000:]
