"""A real API server for the tests that need one: uvicorn in a subprocess on 127.0.0.1.

Its database is one of its own (a fresh copy of the session's migrated template); its log
goes to a file the test can read afterwards.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from smscast.config import Settings
from smscast.services import Services
from tests.conftest import Tenant, make_tenant

SECRET_KEY = "live-server-secret-key"


@dataclass
class LiveServer:
    url: str
    port: int
    pid: int
    database_url: str
    log: Path

    def rss_kib(self) -> int:
        """Resident memory of the server process, from /proc."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def settings_for(database_url: str, data_dir: Path) -> Settings:
    return Settings(database_url=database_url, data_dir=data_dir, secret_key=SECRET_KEY)


def create_tenant(database_url: str, data_dir: Path, name: str = "Live") -> Tenant:
    """An account and key on the server's database, made on a thread and loop of their own
    (callers may be async tests with a loop running)."""

    async def make() -> Tenant:
        services = Services.build(settings_for(database_url, data_dir), pool_size=1)
        try:
            return await make_tenant(services, name)
        finally:
            await services.close()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, make()).result()


@contextmanager
def live_server(database_url: str, data_dir: Path, **env: str) -> Iterator[LiveServer]:
    """Run the API (no worker, no simulator) until the block ends, then SIGTERM it."""
    port = free_port()
    log = data_dir / f"server-{port}.log"
    environ = os.environ | {
        "SMSCAST_DATABASE_URL": database_url,
        "SMSCAST_DATA_DIR": str(data_dir),
        "SMSCAST_SECRET_KEY": SECRET_KEY,
        "SMSCAST_LOG_LEVEL": "warning",
        "SMSCAST_EMBEDDED_WORKER": "false",
        "SMSCAST_EMBEDDED_SIMULATOR": "false",
        **env,
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "smscast.api.app:app_factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        environ["SMSCAST_LOG_LEVEL"],
        "--no-access-log",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, env=environ, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(proc, port, log)
        yield LiveServer(f"http://127.0.0.1:{port}", port, proc.pid, database_url, log)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _wait_until_up(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server did not start:\n{log.read_text()[-3000:]}")
